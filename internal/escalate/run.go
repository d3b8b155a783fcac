package escalate

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// Store is what a run needs of the store.
type Store interface {
	OpenShipments(ctx context.Context, now time.Time, all bool, batch int) iter.Seq2[store.OpenShipment, error]
	RecordDecisions(ctx context.Context, ds []store.Decision, now time.Time) (int, error)
	ScheduleNextSteps(ctx context.Context, steps []store.NextStep) (int, error)
	EscalationFingerprint(ctx context.Context) (string, error)
	RecordEscalationFingerprint(ctx context.Context, fingerprint string, now time.Time) error
	ExpirePendingNotifications(ctx context.Context, now time.Time, lease time.Duration) ([]store.Notification, error)
	TryExclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error)
}

// Deliverer makes delivery workers (*remind.Reminder): each takes batches
// of organisations' due reminders through dedupe, send and record, over one
// SMTP session; a run's workers share one hold on Altinn Notifications.
type Deliverer interface {
	Couriers(n int) []*remind.Courier
}

// AddressResolver looks up, before delivery, the addresses of
// organisations without an imported one (*remind.Resolver).
type AddressResolver interface {
	Resolve(ctx context.Context, orgs []string, now time.Time, dryRun bool) (remind.Resolved, error)
}

// OrderRetrier places notification orders left unplaced by earlier runs
// (*remind.Reminder with Orders).
type OrderRetrier interface {
	RetryOrders(ctx context.Context, now time.Time, wait func(store.NotificationOrder) bool) (placed int, failed []store.NotificationOrder, err error)
}

// Printer receives the shipments whose print fallback became due, after
// their decision is recorded (stage print_due), in batches of one policy.
// *printing.Service is one. A hand-off lost to a crash is not lost work: the
// shipments stay in stage print_due for the printer to find.
type Printer interface {
	Order(ctx context.Context, shipmentIDs []string, policyName string, requiresApproval bool, now time.Time) error
}

// NopPrinter does nothing: print-due shipments wait in stage print_due.
type NopPrinter struct{}

// Order implements Printer.
func (NopPrinter) Order(context.Context, []string, string, bool, time.Time) error { return nil }

// ErrBusy is returned by Run when another escalation run holds the
// cluster-wide lock.
var ErrBusy = errors.New("another escalation run is in progress")

// Escalator runs escalation: one pass over the open shipments as of a
// given time. The cron job in serve and `postvakt escalate --once` both
// call Run.
type Escalator struct {
	Store    Store
	Policies *policy.Set
	Remind   Deliverer
	Printer  Printer // nil = NopPrinter
	// Addresses, when set, looks up the addresses of organisations due a
	// reminder that have none imported, in batches of LookupBatch
	// organisations (default 100), before their reminders are delivered.
	Addresses   AddressResolver
	LookupBatch int
	Logger      *slog.Logger // nil = slog.Default()
	// Lease is how long a claimed (pending) reminder may take before a later
	// run ends it: failed (sent again while still due) when its send never
	// began, its outcome unknown otherwise; default 10 minutes.
	Lease time.Duration
	// Batch is how many shipments are read (and decisions written) at a
	// time; default 2000.
	Batch int
	// Workers is how many delivery workers send at once, each over its own
	// SMTP connection; default 8.
	Workers int
	// ClaimBatch is how many organisations a worker claims together (one
	// claim transaction), then sends and records one by one; default 8. A
	// crash leaves one reminder per worker with an unknown outcome (the one
	// on the wire), for a person to settle, and delays the rest of its
	// batch by the lease. 32 saved about a tenth of a many-due run's time
	// (quick bench, when a batch was still recorded in one statement after
	// its last send; each message is now recorded as it is sent, which
	// leaves larger batches less to save) and would delay four times as
	// many, so 8 it is.
	ClaimBatch int
	// OnOutcome, when set, is called for each organisation's outcome (one
	// call at a time), e.g. to print a dry run.
	OnOutcome func(remind.Outcome)
	// Clock is the time as a run goes on, which each reminder's send
	// checks against its policy's send window (a run started just before
	// the window closes sends for a while); nil: the run's now plus the
	// time since the run began.
	Clock func() time.Time
}

// Run does one escalation run as of now: decides every open shipment's
// step, records new decisions, sends the due reminders (one message per
// organisation) and marks print-due shipments. A run that finds nothing due
// sends nothing. It returns ErrBusy when another run is in progress.
func (e *Escalator) Run(ctx context.Context, now time.Time) (Summary, error) {
	sum := Summary{Now: now}
	err := jobs.Exclusive(ctx, e.Store, LockName, ErrBusy, func(ctx context.Context) (err error) {
		sum, err = e.run(ctx, now, false)
		return err
	})
	return sum, err
}

// LockName is the cluster-wide lock an escalation run holds.
const LockName = "escalate"

// Job is the scheduled escalation run as of now, logged. Schedule it with
// jobs.Scheduler.Once under LockName: Once holds the lock Run takes, so a
// scheduled run and `postvakt escalate --once` never run together, and the
// replicas run it once per interval of its schedule between them (not each
// in its own ticks).
func (e *Escalator) Job(ctx context.Context) error {
	sum, err := e.run(ctx, time.Now(), false)
	if err != nil {
		return fmt.Errorf("escalation run (%s): %w", sum, err)
	}
	e.logger().Info("escalation run", "summary", sum.String())
	return nil
}

// Preview is a dry run as of now: it decides and composes what Run would
// send, and changes nothing (no decision recorded, nothing claimed or sent).
func (e *Escalator) Preview(ctx context.Context, now time.Time) (Summary, error) {
	return e.run(ctx, now, true)
}

// run is Run and Preview.
func (e *Escalator) run(ctx context.Context, now time.Time, dry bool) (Summary, error) {
	log := e.logger()
	if dry {
		log = log.With("dry_run", true) // what a preview logs did not happen
	}
	r := &runState{e: e, now: now, began: time.Now(), dry: dry, log: log, sum: Summary{Now: now, DryRun: dry},
		prints: map[printKey][]string{}, unasked: map[string]bool{}}
	// Only the letters whose step may be due, unless the policies changed
	// since the stored next-step times were computed: then every one.
	fingerprint := e.Policies.Fingerprint()
	recorded, err := e.Store.EscalationFingerprint(ctx)
	if err != nil {
		return r.sum, err
	}
	all := recorded != fingerprint
	r.sum.Every = all
	if !dry {
		expired, err := e.Store.ExpirePendingNotifications(ctx, now, e.lease())
		if err != nil {
			return r.sum, err
		}
		for _, n := range expired {
			if n.Status == store.NotifyFailed {
				r.log.Warn("a reminder or notice claimed by an earlier run that stopped (crash?) before sending it: sent again while still due",
					"notification", n.ID, "org", n.Org, "claimed_at", n.ClaimedAt)
				r.sum.Retried++
				continue
			}
			r.log.Error("a reminder or notice claimed by an earlier run has no recorded outcome (crash?): not sent again",
				"notification", n.ID, "org", n.Org, "claimed_at", n.ClaimedAt)
			r.sum.Expired = append(r.sum.Expired, n)
			r.sum.Unresolved = append(r.sum.Unresolved, notificationRef(n))
		}
		if or, ok := e.Remind.(OrderRetrier); ok {
			placed, failed, err := or.RetryOrders(ctx, now, func(o store.NotificationOrder) bool { return e.outsideWindow(o.Letter, now) })
			if err != nil {
				return r.sum, err
			}
			r.sum.Ordered, r.sum.OrderFail = placed, len(failed)
			for _, o := range failed {
				r.sum.Undelivered = append(r.sum.Undelivered, orderRef(o.ID, o.Org))
			}
		}
	}
	r.startWorkers(ctx)
	var grouper remind.Grouper
	var streamErr error
	for sh, err := range e.Store.OpenShipments(ctx, now, all, e.batch()) {
		if err != nil {
			streamErr = err
			break
		}
		if jobs.Draining(ctx) {
			// A stop was asked for: no new organisations; what is claimed
			// is finished below, the rest waits for the next run.
			r.drained = true
			break
		}
		r.sum.Scanned++
		s, due := r.decide(sh)
		if !due {
			continue
		}
		if done, ok := grouper.Add(sh.RecipientID, sh.RecipientName, s); ok {
			if err := r.deliver(ctx, done); err != nil {
				streamErr = err
				break
			}
		}
		if len(r.decisions) >= e.batch() || len(r.next.queued) >= e.batch() {
			if err := r.flush(ctx); err != nil {
				streamErr = err
				break
			}
		}
	}
	// After a stop was asked for, the organisation being collected and
	// those waiting for their address lookup wait for the next run (whole:
	// one message per organisation).
	if streamErr == nil && !r.drained {
		if done, ok := grouper.Flush(); ok {
			streamErr = r.deliver(ctx, done)
		}
	}
	if streamErr == nil && !r.drained {
		streamErr = r.dispatch(ctx)
	}
	if streamErr == nil {
		streamErr = r.flush(ctx)
	}
	r.stopWorkers()
	r.sum.finishSteps()
	// A stop that came once every organisation was handed out reaches
	// only the workers: they give back what they had not begun.
	r.sum.StoppedEarly = r.drained || r.sum.GivenBack > 0
	if streamErr == nil {
		streamErr = r.storeNextSteps(context.WithoutCancel(ctx))
	}
	if streamErr == nil && all && !dry && !r.drained {
		// Every open letter now has a time computed under these policies.
		streamErr = e.Store.RecordEscalationFingerprint(ctx, fingerprint, now)
	}
	if streamErr != nil {
		return r.sum, fmt.Errorf("escalation run as of %s: %w", now.Format(time.RFC3339), streamErr)
	}
	if err := errors.Join(r.errs...); err != nil {
		return r.sum, fmt.Errorf("escalation run as of %s: %w", now.Format(time.RFC3339), err)
	}
	e.logger().Info("escalation run done", "now", now, "dry_run", dry, "every_open_letter", all, "stopped_early", r.sum.StoppedEarly, "given_back", r.sum.GivenBack, "window_closed", r.sum.WindowClosed, "busy", r.sum.Busy, "scanned", r.sum.Scanned, "due", r.sum.Decided,
		"reminders", r.sum.Reminders, "orgs", r.sum.Orgs, "print_due", r.sum.PrintDue, "quiet_hours", r.sum.Quiet,
		"no_address", len(r.sum.NoAddress), "address_unknown", len(r.sum.AddressUnknown), "failed", r.sum.Failed,
		"unknown", r.sum.Unknown, "ordered", r.sum.Ordered, "order_failed", r.sum.OrderFail, "errors", r.sum.Errors)
	return r.sum, nil
}

func (e *Escalator) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}

func (e *Escalator) lease() time.Duration {
	if e.Lease <= 0 {
		return 10 * time.Minute
	}
	return e.Lease
}

func (e *Escalator) batch() int {
	if e.Batch <= 0 {
		return 2000
	}
	return e.Batch
}

func (e *Escalator) printer() Printer {
	if e.Printer == nil {
		return NopPrinter{}
	}
	return e.Printer
}

// runState is one run in progress.
type runState struct {
	e     *Escalator
	now   time.Time
	began time.Time // the real time the run began (clock)
	dry   bool
	log   *slog.Logger

	decisions []store.Decision      // decided, not yet recorded
	waiting   []remind.Group        // complete groups waiting for the address lookup
	prints    map[printKey][]string // print due, for the Printer after recording
	batches   chan []remind.Group   // to the delivery workers
	wg        sync.WaitGroup

	sum  Summary   // owned by the streaming goroutine
	next nextSteps // when to look at each letter again (nextstep.go)
	// unasked are the recipients with a letter waiting for its channel's
	// first answer (Decision.Unasked) this run: their catch-up reminders
	// wait for it (holdCatchUp).
	unasked map[string]bool
	drained bool // the run stopped taking organisations (jobs.Draining)

	mu   sync.Mutex // guards what the delivery workers count
	sent Summary    // workers' counts, merged into sum at the end
	errs []error
}

// printKey is one batch of print-due shipments for the Printer.
type printKey struct {
	policy   string
	approval bool
}

// FactsOf is what a decision needs to know of an open shipment.
func FactsOf(sh store.OpenShipment) Facts {
	// A letter reminded before was met by the escalation, whether or not
	// its step was recorded (a reminder records it with its outcome).
	f := Facts{Since: sh.Since(), RemindersSent: sh.RemindersSent, Failed: sh.State == model.StateFailed,
		Decided: sh.EscalationStep != "" || sh.RemindersSent > 0, Unmailed: !mailed(sh.RecipientKind),
		Scheduled: sh.ChannelStatus != "" && slices.Contains(channel.Scheduled(sh.Channel), sh.ChannelStatus)}
	if sh.LastRemindedAt != nil {
		f.LastReminder = *sh.LastRemindedAt
	}
	if sh.CatchUpAt != nil {
		f.CatchUpSince = *sh.CatchUpAt
	}
	if sh.UnknownSince != nil {
		f.UnknownSince = *sh.UnknownSince
	}
	f.Unasked, f.Registered = !sh.Heard && sh.UnknownSince == nil, sh.RegisteredAt
	if sh.PrintBatch != nil {
		f.PrintBatch = *sh.PrintBatch
	}
	return f
}

// decide decides one shipment, queues a new decision for recording, and
// returns it as a reminder item when one is due to be sent now: the item
// the rest of the pipeline (group, dedupe, send, record) carries.
func (r *runState) decide(sh store.OpenShipment) (model.ReminderItem, bool) {
	recipient := model.MaskRecipient(sh.RecipientKind, sh.RecipientID)
	p, err := r.e.Policies.Match(policyFacts(sh))
	if err == nil {
		var d Decision
		if d, err = Decide(FactsOf(sh), p, r.now); err == nil {
			item, due := r.handle(sh, d, recipient)
			item.NameUnit = p.Reminders.NamesUnit()
			if due {
				s := r.e.Policies.Sender(sh.SenderOrg)
				item.SenderContact, item.SenderNotInSubject = s.Contact, s.NotInSubject
			}
			return item, due
		}
	}
	r.sum.Errors++
	r.log.Error("cannot decide the escalation step", "shipment", sh.ID, "recipient", recipient, "error", err)
	return model.ReminderItem{}, false
}

// sends reports whether a decision is a reminder to send now: due, inside
// the send window, to an organisation, about a letter the channel knows.
func sends(sh store.OpenShipment, d Decision) bool {
	return d.Step.Kind == policy.StepRemind && !d.Wait && !d.Unheard && mailed(sh.RecipientKind)
}

func (r *runState) handle(sh store.OpenShipment, d Decision, recipient string) (model.ReminderItem, bool) {
	next := r.schedule(sh, d)
	if d.Unasked {
		r.sum.Unasked++
		r.unasked[sh.RecipientID] = true
	}
	if !d.Due() {
		return model.ReminderItem{}, false
	}
	r.sum.Decided++
	r.sum.step(d, sh)
	step := d.Recorded()
	if step != sh.EscalationStep {
		// A reminder to send is recorded by its claim, just before it goes
		// out (store.ClaimReminders); every other step here.
		if !sends(sh, d) {
			r.decisions = append(r.decisions, store.Decision{ShipmentID: sh.ID, Step: step, Policy: d.Policy,
				Reason: d.Reason, PrintDue: d.Step.Kind == policy.StepPrint, CatchUp: d.CatchUp})
		}
		// Not the recipient, nor the reason (it names the policy, e.g.
		// barnevern): beside each other they say who gets post from whom.
		// The decision's evidence keeps the reason.
		r.log.Debug("escalation step decided", "shipment", sh.ID, "step", step)
	}
	switch {
	case d.Step.Kind == policy.StepPrint:
		r.sum.PrintDue++
		k := printKey{d.Policy, d.NeedsApproval}
		r.prints[k] = append(r.prints[k], sh.ID)
		return model.ReminderItem{}, false
	case d.Unheard:
		r.sum.Unheard++
		r.log.Info("reminder due about a letter the channel has never heard of: not sent; print follows the policy",
			"shipment", sh.ID, "recipient", recipient, "step", d.Step.String())
		return model.ReminderItem{}, false
	case d.Wait:
		r.sum.Quiet++
		return model.ReminderItem{}, false
	case !mailed(sh.RecipientKind):
		r.sum.Persons++
		// Debug: every run finds them again (thousands at a municipality's
		// scale, every quarter of an hour); the run's summary counts them.
		r.log.Debug("reminder due to a person: no e-mail channel for persons; waits for print",
			"shipment", sh.ID, "recipient", recipient, "step", d.Step.String())
		return model.ReminderItem{}, false
	}
	return model.ReminderItem{ShipmentID: sh.ID, Reminder: d.Step.N, Channel: sh.Channel, ChannelID: sh.ChannelID,
		SenderOrg: sh.SenderOrg, SenderOrgName: sh.SenderOrgName, SenderUnit: sh.SenderUnit, SentAt: sh.SentAt,
		Since: sh.Since(), Step: step, Policy: d.Policy, Reason: d.Reason, CatchUp: d.CatchUp,
		HasNext: next.has, NextSeen: next.seen, Next: next.at, PrintFrom: d.PrintAt}, true
}

// flush records the queued decisions (one transaction) and then hands the
// print-due shipments to the Printer. A dry run records nothing.
func (r *runState) flush(ctx context.Context) error {
	ds, prints := r.decisions, r.prints
	r.decisions, r.prints = r.decisions[:0], map[printKey][]string{}
	if r.dry {
		return nil
	}
	n, err := r.e.Store.RecordDecisions(ctx, ds, r.now)
	if err != nil {
		return err
	}
	r.sum.Recorded += n
	if err := r.storeNextSteps(ctx); err != nil {
		return err
	}
	for k, ids := range prints {
		// A failed hand-off loses nothing: the shipments stay in stage
		// print_due, where the printer finds them. The run goes on.
		if err := r.e.printer().Order(ctx, ids, k.policy, k.approval, r.now); err != nil {
			r.sum.Errors++
			r.log.Error("print-due shipments not handed to the printer; they wait in stage print_due",
				"policy", k.policy, "shipments", len(ids), "error", err)
			r.mu.Lock()
			r.errs = append(r.errs, fmt.Errorf("hand %d print-due shipments of policy %s to the printer: %w", len(ids), k.policy, err))
			r.mu.Unlock()
		}
	}
	return nil
}

// clock is the time as the run goes on (Escalator.Clock).
func (r *runState) clock() time.Time {
	if r.e.Clock != nil {
		return r.e.Clock()
	}
	return r.now.Add(time.Since(r.began))
}

// windowClosed reports whether the send window of any letter of an
// organisation's reminder has closed since the run decided it was due (a
// run started shortly before the window closes): its send does not begin,
// the reminder stays due and goes in the next window. A preview shows
// what the run would send as of its now.
func (r *runState) windowClosed(g remind.Group) bool {
	if r.dry {
		return false
	}
	t := r.clock()
	for _, s := range g.Shipments {
		if p, ok := r.e.Policies.Get(s.Policy); ok && p.NextSendTime(t).After(t) {
			return true
		}
	}
	return false
}

// outsideWindow reports whether now is outside the send window (or not a
// business day) of the policy of a reminder's letter l: a notification
// order retried then would reach the business at night or on a holiday,
// where the e-mail waits for the window. A letter no policy matches is not
// held.
func (e *Escalator) outsideWindow(l store.OrderLetter, now time.Time) bool {
	p, err := e.Policies.Match(policy.Facts{Channel: l.Channel, Class: l.Class, Confidential: l.Confidential,
		RecipientKind: l.RecipientKind, SenderOrg: l.SenderOrg, SenderUnit: l.SenderUnit})
	if err != nil {
		return false
	}
	return p.NextSendTime(now).After(now)
}
