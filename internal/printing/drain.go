package printing

import (
	"context"
	"errors"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Drain does the print fallback's pending work as of now: address lookups
// that could not be done before (register down, a crash), then the outbox,
// claimed in batches, each order sent to the provider under its idempotency
// key and its answer committed with an event. A failed send is retried by a
// later Drain with backoff; a refused one (400) goes to manual handling,
// and so does one the provider holds an order under its key for without
// naming it (409, 422), never sent again. It returns when nothing is due any more.
func (s *Service) Drain(ctx context.Context, now time.Time) (Summary, error) {
	return s.run(ctx, now, s.drain)
}

// drain is Drain counting into sum.
func (s *Service) drain(ctx context.Context, now time.Time, sum *Summary) error {
	before := *sum
	if err := s.orphans(ctx, now, sum); err != nil {
		return err
	}
	// A stop asked for (jobs.Draining): no new claims; what is claimed is
	// finished, or given back unsent.
	err := jobs.EachClaim(ctx, func() ([]store.PrintLookup, error) {
		return s.st.ClaimPrintLookups(ctx, nil, now, s.opt.BatchSize, s.opt.Lease)
	}, func(lookups []store.PrintLookup) error {
		return s.resolve(ctx, lookups, now, sum)
	})
	if err != nil {
		return err
	}
	// After an answer asking postvakt to slow down (a 429), or refusing
	// the request itself (a 401), the provider is not asked again this run
	// (noteStop): each further order would be one more request it said not
	// to make, or one more refused.
	var stop *httpclient.StatusError
	err = jobs.EachClaim(ctx, func() ([]store.PrintOutboxItem, error) {
		return s.st.ClaimPrintOutbox(ctx, now, s.opt.BatchSize, s.opt.Lease)
	}, func(items []store.PrintOutboxItem) error {
		s.crash(CrashAfterOutboxCommit)
		for i, it := range items {
			if jobs.Draining(ctx) {
				return s.release(ctx, items[i:])
			}
			if err := s.send(ctx, it, now, sum, &stop); err != nil {
				if ctx.Err() != nil {
					// Stopped mid-send: the rest of the batch is given back
					// now; the one in flight keeps its claim (it may have
					// reached the provider) and comes back after the lease.
					if rerr := s.release(ctx, items[i+1:]); rerr != nil {
						return errors.Join(err, rerr)
					}
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ordered, retried, manual := sum.Ordered-before.Ordered, sum.Retried-before.Retried, sum.Manual-before.Manual
	queued, held := sum.Queued-before.Queued, sum.Held-before.Held
	if ordered+retried+manual+queued+held > 0 {
		s.log.Info("print outbox drained", "decided", sum.Decided-before.Decided, "queued", queued, "held", held, "manual", manual,
			"skipped", sum.Skipped-before.Skipped, "ordered", ordered, "retried", retried)
	}
	return ctx.Err()
}

// release gives back claimed outbox rows not sent, so the next replica
// sends them at once instead of after the lease.
func (s *Service) release(ctx context.Context, items []store.PrintOutboxItem) error {
	s.log.Info("stopping: claimed print orders given back unsent", "shipments", len(items))
	return s.st.ReleasePrintOutbox(context.WithoutCancel(ctx), items, time.Now())
}

// orphans orders the print-due shipments whose hand-off from the escalation
// run was lost, matching their policy again, held for approval as the
// escalation run would (policy.PrintNeedsApproval). It pages through every
// one: those this service cannot print (providerless: a policy that does
// not print via Digital Post) and those whose policy cannot be found (that
// is logged) stay in stage print_due for a later run, and never keep the
// ones after them waiting.
func (s *Service) orphans(ctx context.Context, now time.Time, sum *Summary) error {
	if s.opt.Policies == nil {
		return nil
	}
	const page = 1000
	for after := ""; ; {
		due, err := s.st.PrintDueWithoutOrder(ctx, after, page)
		if err != nil || len(due) == 0 {
			return err
		}
		after = due[len(due)-1].ID
		type key struct {
			name     string
			approval bool
		}
		groups := map[key][]string{}
		for _, d := range due {
			p, err := s.opt.Policies.Match(policy.Facts{Channel: d.Channel, Class: d.Class, Confidential: d.Confidential,
				RecipientKind: d.RecipientKind, SenderOrg: d.SenderOrg, SenderUnit: d.SenderUnit})
			if err != nil {
				s.log.Error("print-due shipment matches no policy; not ordered", "shipment", d.ID, "error", err)
				continue
			}
			if !s.printsFor(p.Name) {
				continue
			}
			k := key{p.Name, p.PrintNeedsApproval(d.CatchUp)}
			groups[k] = append(groups[k], d.ID)
		}
		for k, ids := range groups {
			s.log.Warn("ordering print-due shipments the escalation run did not hand over", "policy", k.name, "shipments", len(ids))
			if err := s.order(ctx, ids, k.name, k.approval, now, sum); err != nil {
				return err
			}
		}
		if len(due) < page {
			return nil
		}
	}
}

// send places the order of one claimed outbox row and records the outcome.
// With *stop (an answer of this run saying the provider is not to be asked
// again: noteStop) it is not asked: the row waits its backoff, or the
// Retry-After, as never sent; a send so answered sets it.
func (s *Service) send(ctx context.Context, it store.PrintOutboxItem, now time.Time, sum *Summary, stop **httpclient.StatusError) error {
	res := store.PrintSendResult{ShipmentID: it.ShipmentID, At: now, Claim: it.Claim()}
	// A row claimed for the first time, or whose earlier claims certainly
	// placed no order (connection refused, the breaker open, a 401:
	// notPlaced), has never reached it: a shipment opened meanwhile needs no
	// order — as of the claim, and read again now, as the batch's earlier
	// orders may have taken a while. A row claimed before may have reached
	// it, so it is always sent (the same key finds the same order) and the
	// order is cancelled by PollStatus.
	if it.NeverSent() {
		wanted := store.Printable(it.ShipmentState, it.Stage, it.Purged)
		if wanted {
			var err error
			if wanted, err = s.st.PrintStillWanted(ctx, it.ShipmentID); err != nil {
				return err // the lease brings the row back
			}
		}
		if !wanted {
			res.Outcome = store.SendSkipped
			sum.Skipped++
			return s.st.FinishPrintSend(ctx, res)
		}
	}
	var o providerOrder
	var raw []byte
	var err error
	if *stop != nil {
		err = &notAskedError{*stop}
	} else {
		o, raw, err = s.createOrder(ctx, it.Key, it.Request)
		s.crash(CrashAfterProviderCall)
		if ctx.Err() != nil {
			return ctx.Err() // the lease brings the row back
		}
		noteStop(err, stop)
	}
	res.Payload = raw
	var refused *refusedError
	var keyUsed *keyUsedError
	switch {
	case err == nil:
		res.Outcome, res.OrderID, res.State, res.FailureReason = store.SendOrdered, string(o.ID), o.State, o.FailureReason
		res.NextPollAt = now.Add(s.opt.PollEvery)
		sum.Ordered++
		s.log.Info("print order placed", "shipment", it.ShipmentID, "order", o.ID, "state", o.State)
	case errors.As(err, &keyUsed):
		res.Outcome, res.Error, res.KeyOtherBody = store.SendKeyUsed, failureClass(err), keyUsed.otherBody
		sum.Manual++
		s.log.Error("print provider holds an order under the letter's idempotency key but did not name it; manual handling, not sent again",
			"shipment", it.ShipmentID, "key", it.Key, "error", err)
	case errors.As(err, &refused):
		// An earlier attempt (a 503, a timeout) may have placed the order
		// under the key: the case names it, so nobody prints the letter
		// by hand beside the provider's order.
		var se *httpclient.StatusError
		res.Outcome, res.Error = store.SendRefused, err.Error()
		res.EarlierMayHavePlaced = !it.NeverSent() || errors.As(err, &se) && se.EarlierMayHaveActed
		sum.Manual++
		s.log.Error("print provider refused the order; manual handling", "shipment", it.ShipmentID,
			"earlier_attempt_may_have_placed_it", res.EarlierMayHavePlaced, "error", err)
	default:
		res.Outcome, res.Error, res.RetryAt = store.SendRetry, err.Error(), retryAt(now, it.Attempts, err)
		res.NotReached = notPlaced(err)
		sum.Retried++
		sum.NotPlaced = append(sum.NotPlaced, it.ShipmentID)
		s.log.Warn("print order not placed; retried later", "shipment", it.ShipmentID, "attempt", it.Attempts,
			"retry_at", res.RetryAt, "error", err)
	}
	return s.st.FinishPrintSend(ctx, res)
}
