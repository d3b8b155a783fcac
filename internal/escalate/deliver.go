package escalate

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"

	"postvakt/internal/jobs"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// deliver collects a complete group; once LookupBatch groups wait they are
// dispatched. Dispatching records the decisions first (one transaction), so
// groups are dispatched in batches even without an address resolver: one
// transaction per organisation, on the streaming goroutine, was what bound
// a run reminding 10,000 organisations (the profile in docs/notes/perf.md).
func (r *runState) deliver(ctx context.Context, g remind.Group) error {
	if g = r.holdCatchUp(g); len(g.Shipments) == 0 {
		return nil
	}
	r.waiting = append(r.waiting, g)
	if len(r.waiting) < r.lookupBatch() {
		return nil
	}
	return r.dispatch(ctx)
}

// holdCatchUp takes out of an organisation's group its catch-up reminders
// while any of its letters waits for its channel's first answer (a
// back-fill the poller answers about over several cycles): each run would
// otherwise send the organisation a catch-up reminder about the letters
// answered since the last, one after the other. They stay due, and go in
// one message once the channel has answered about the rest (or their wait
// ended, FirstAnswerWait). The stream is ordered by recipient, so every
// letter of the organisation was decided before its group is complete.
func (r *runState) holdCatchUp(g remind.Group) remind.Group {
	if !r.unasked[g.Org] {
		return g
	}
	kept := g.Shipments[:0:0]
	for _, s := range g.Shipments {
		if s.CatchUp {
			r.sum.siblings(s)
			continue
		}
		kept = append(kept, s)
	}
	if held := len(g.Shipments) - len(kept); held > 0 {
		r.log.Info("catch-up reminders wait for the organisation's letters its channel has not answered about yet",
			"org", g.Org, "shipments", held)
	}
	g.Shipments = kept
	return g
}

func (r *runState) lookupBatch() int {
	if r.e.LookupBatch <= 0 {
		return 100
	}
	return r.e.LookupBatch
}

// dispatch records the decisions so far (the groups' decisions must be in
// the evidence log before their messages go out), looks up the addresses
// the waiting groups' organisations lack, and queues the groups.
func (r *runState) dispatch(ctx context.Context) error {
	gs := r.waiting
	r.waiting = nil
	if len(gs) == 0 {
		return nil
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	if gs = r.windowOpen(gs); len(gs) == 0 {
		return nil
	}
	if r.e.Addresses != nil {
		orgs := make([]string, len(gs))
		for i, g := range gs {
			orgs[i] = g.Org
		}
		res, err := r.e.Addresses.Resolve(ctx, orgs, r.now, r.dry)
		if err != nil {
			return err
		}
		for i := range gs {
			gs[i].LookedUp = res.Found[gs[i].Org]
			gs[i].AddressUnknown = res.Unknown[gs[i].Org]
		}
	}
	if err := r.markNoAccess(ctx, gs); err != nil {
		return err
	}
	for len(gs) > 0 {
		n := min(len(gs), r.claimBatch())
		select {
		case r.batches <- gs[:n]:
			gs = gs[n:]
		case <-jobs.DrainingCh(ctx):
			r.drained = true // the groups not handed out wait for the next run
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// windowOpen returns the groups whose send window is still open, and
// counts the others as their courier would (remind.StatusWindowClosed):
// past the window a run's organisations wait for the next one, and their
// addresses are not looked up now (each Altinn Profile call costs quota),
// but by the run that sends them.
func (r *runState) windowOpen(gs []remind.Group) []remind.Group {
	open := gs[:0]
	for _, g := range gs {
		if !r.windowClosed(g) {
			open = append(open, g)
			continue
		}
		r.log.Debug("reminder not sent: its send window closed during the run; it goes in the next window",
			"org", g.Org, "shipments", len(g.Shipments))
		r.count(g, remind.Outcome{Org: g.Org, OrgName: g.OrgName, Status: remind.StatusWindowClosed}, nil)
	}
	return open
}

// accessLookup finds the organisations with a firing never_opening_org
// health alert (*store.Store).
type accessLookup interface {
	OrgsWithoutAccess(ctx context.Context, orgs []string) (map[string]bool, error)
}

// markNoAccess marks the shipments of organisations that never open
// (health rule never_opening_org): their reminder says how to get access.
func (r *runState) markNoAccess(ctx context.Context, gs []remind.Group) error {
	look, ok := r.e.Store.(accessLookup)
	if !ok {
		return nil
	}
	orgs := make([]string, len(gs))
	for i, g := range gs {
		orgs[i] = g.Org
	}
	none, err := look.OrgsWithoutAccess(ctx, orgs)
	if err != nil {
		return err
	}
	for i := range gs {
		if none[gs[i].Org] {
			for j := range gs[i].Shipments {
				gs[i].Shipments[j].NoAccess = true
			}
		}
	}
	return nil
}

func (r *runState) claimBatch() int {
	if r.e.ClaimBatch <= 0 {
		return 8
	}
	return r.e.ClaimBatch
}

// startWorkers starts the delivery workers: each takes a batch of groups
// at a time through its courier (one SMTP session for the run).
func (r *runState) startWorkers(ctx context.Context) {
	n := r.e.Workers
	if n <= 0 {
		n = 8
	}
	r.batches = make(chan []remind.Group)
	// One hold on Altinn Notifications for the run's workers: after a 429
	// none of them sends it another order.
	for _, c := range r.e.Remind.Couriers(n) {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer c.Close()
			c.Closed, c.Now = r.windowClosed, r.clock
			for gs := range r.batches {
				for i, res := range r.deliverRecovered(ctx, c, gs) {
					r.count(gs[i], res.Outcome, res.Err)
				}
			}
		}()
	}
}

// deliverRecovered is c.Deliver, with a panic in it (a sender meeting an
// answer it did not expect) each of the batch's groups' error, logged with
// its stack: in a delivery worker's goroutine, outside the job's recover,
// it ended the whole process; and a worker that stopped would leave the
// run waiting on the batches it no longer takes.
func (r *runState) deliverRecovered(ctx context.Context, c *remind.Courier, gs []remind.Group) (res []remind.Result) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		err := fmt.Errorf("delivery worker: panic: %v", v)
		r.log.Error("delivery worker panicked; its batch's reminders are the run's errors", "organisations", len(gs),
			"error", err, "stack", string(debug.Stack()))
		res = make([]remind.Result, len(gs))
		for i := range res {
			res[i].Err = err
		}
	}()
	return c.Deliver(ctx, gs, r.now, r.dry)
}

// stopWorkers waits for the workers and merges their counts.
func (r *runState) stopWorkers() {
	close(r.batches)
	r.wg.Wait()
	w := r.sent
	r.sum.Errors += w.Errors
	r.sum.Dropped += w.Dropped
	r.sum.Orgs += w.Orgs
	r.sum.Reminders += w.Reminders
	r.sum.NoAddress = append(r.sum.NoAddress, w.NoAddress...)
	sort.Strings(r.sum.NoAddress)
	r.sum.Failed += w.Failed
	r.sum.Unknown += w.Unknown
	r.sum.Ordered += w.Ordered
	r.sum.OrderFail += w.OrderFail
	r.sum.Refused += w.Refused
	r.sum.Busy += w.Busy
	r.sum.GivenBack += w.GivenBack
	r.sum.WindowClosed += w.WindowClosed
	r.sum.Recorded += w.Recorded
	r.sum.AddressUnknown = append(r.sum.AddressUnknown, w.AddressUnknown...)
	sort.Strings(r.sum.AddressUnknown)
	r.sum.Undelivered = append(r.sum.Undelivered, w.Undelivered...)
	r.sum.Unresolved = append(r.sum.Unresolved, w.Unresolved...)
}

// count adds one organisation's outcome to the workers' counts.
func (r *runState) count(g remind.Group, out remind.Outcome, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := &r.sent
	w.Recorded += out.Recorded // decisions the claim recorded, even if the send then failed
	if err != nil {
		w.Errors++
		r.errs = append(r.errs, fmt.Errorf("remind %s: %w", g.Org, err))
		r.log.Error("reminder could not be handled", "org", g.Org, "shipments", len(g.Shipments), "error", err)
		return
	}
	w.Dropped += len(out.Dropped)
	w.Refused += len(out.Refused)
	switch out.Status {
	case remind.StatusSent, remind.StatusPreview:
		w.Orgs++
		w.Reminders += len(out.Shipments)
	case remind.StatusNoAddress:
		w.NoAddress = append(w.NoAddress, g.Org)
	case remind.StatusFailed:
		w.Failed++
		ref := reminderRef(out.NotificationID, g.Org)
		if errors.Is(out.Err, remind.ErrOrderRefused) {
			// An order to a business without an e-mail address that
			// Altinn has no contact for either (NOT-00001): said so, as a
			// reminder without an address is.
			ref += " (no contact information in Altinn either)"
		}
		w.Undelivered = append(w.Undelivered, ref)
	case remind.StatusUnknown:
		w.Unknown++
		w.Unresolved = append(w.Unresolved, reminderRef(out.NotificationID, g.Org))
	case remind.StatusAddressUnknown:
		w.AddressUnknown = append(w.AddressUnknown, g.Org)
	case remind.StatusBusy:
		w.Busy++
	case remind.StatusGivenBack:
		w.GivenBack++
	case remind.StatusWindowClosed:
		w.WindowClosed++
	}
	switch {
	case out.OrderID != "":
		w.Ordered++
	case out.OrderErr != nil && !out.OrderGivenUp:
		// An order given up for the e-mail fallback is not "not placed,
		// tried again": the reminder went by e-mail (counted above).
		w.OrderFail++
		w.Undelivered = append(w.Undelivered, orderRef(out.NotificationID, g.Org))
	}
	if r.e.OnOutcome != nil {
		r.e.OnOutcome(out)
	}
}

// reminderRef names a reminder by its notification and organisation.
func reminderRef(notification int64, org string) string {
	return fmt.Sprintf("reminder %d to %s", notification, org)
}

// notificationRef names a reminder or notice of an earlier run: a notice
// by kind and id only (its group may be a unit).
func notificationRef(n store.Notification) string {
	if n.Kind == store.KindReminder {
		return reminderRef(n.ID, n.Org)
	}
	return fmt.Sprintf("%s notice %d", n.Kind, n.ID)
}

// orderRef names a notification order not placed, by its reminder.
func orderRef(notification int64, org string) string {
	return fmt.Sprintf("notification order of reminder %d to %s", notification, org)
}
