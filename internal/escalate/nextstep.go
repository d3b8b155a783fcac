package escalate

import (
	"context"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Next-step bookkeeping: after deciding a letter the run stores when the
// letter's next step can come due (shipments.next_step_at), and the next
// run looks only at letters whose time has come (store.OpenShipments). The
// time is never later than the true one:
//
//	nothing due        the first step still to come (Decision.Next)
//	first answer       now: every run looks at a back-fill waiting for its
//	                   channel's first answer (Decision.Unasked), so that its
//	                   organisation's catch-up reminders wait (holdCatchUp)
//	due, send window   the window's opening (Decision.SendAt)
//	due, to a person   the step after it (no e-mail to persons; print comes)
//	due, unheard       the print (the channel has never heard of the letter:
//	                   no reminder; the poll resets the time once it does)
//	due reminder       unchanged, so it stays due, until the reminder is
//	                   sent; then the step after it, written by the record
//	                   stage in the statement that counts the reminder (a
//	                   failed or unknown send is looked at again next run)
//	print due          nothing: the letter leaves the escalation (print_due)
//	cannot decide      unchanged: looked at again next run
//
// A change that can make a step come earlier resets the time in the store
// (the poll, when a letter fails), and a change of the policies makes the
// next run look at every open letter (policy.Set.Fingerprint).
type nextSteps struct {
	queued []store.NextStep // to store at the next flush (the streaming goroutine's)
}

// afterSend is the next-step time a due reminder's item carries to the
// record stage (model.ReminderItem's HasNext, NextSeen, Next).
type afterSend struct {
	has      bool
	seen, at *time.Time
}

// lookAtOnce is the next-step time that makes any later run look at a
// letter (the store's default for letters not looked at yet).
var lookAtOnce = time.Unix(0, 0).UTC()

// nextTime is the time to store for a decision's next step: nil for never;
// ok false when it cannot be said.
func (d Decision) nextTime() (at *time.Time, ok bool) {
	switch {
	case d.Never:
		return nil, true
	case d.Next.IsZero():
		return nil, false
	}
	t := d.Next
	return &t, true
}

// lookAgain queues at as the letter's next-step time, when it differs from
// what the letter has.
func (r *runState) lookAgain(sh store.OpenShipment, at *time.Time) {
	r.queue(store.NextStep{ShipmentID: sh.ID, Seen: sh.NextStepAt, At: at}, sh)
}

// queue queues a next-step time (see lookAgain).
func (r *runState) queue(st store.NextStep, sh store.OpenShipment) {
	if r.dry || sameTime(sh.NextStepAt, st.At) {
		return
	}
	r.next.queued = append(r.next.queued, st)
}

// schedule does the bookkeeping of one decided letter (see nextSteps); for
// a reminder to send now it returns the time its item carries.
func (r *runState) schedule(sh store.OpenShipment, d Decision) afterSend {
	switch {
	case d.Unasked:
		once := lookAtOnce
		r.lookAgain(sh, &once)
	case !d.Due():
		if at, ok := d.nextTime(); ok {
			r.lookAgain(sh, at)
		}
	case d.Step.Kind == policy.StepPrint:
	case d.Unheard:
		if at, ok := d.nextTime(); ok {
			r.queue(store.NextStep{ShipmentID: sh.ID, Seen: sh.NextStepAt, At: at, Unheard: true}, sh)
		}
	case d.Wait:
		at := d.SendAt
		r.lookAgain(sh, &at)
	case !mailed(sh.RecipientKind):
		if at, ok := d.nextTime(); ok {
			r.lookAgain(sh, at)
		}
	default:
		seen := sh.NextStepAt
		if seen == nil || seen.After(r.now) {
			// Due under policies changed since the time was computed: it
			// must stay due until the reminder goes out.
			once := lookAtOnce
			r.lookAgain(sh, &once)
			seen = &once
		}
		if at, ok := d.nextTime(); ok {
			return afterSend{has: true, seen: seen, at: at}
		}
	}
	return afterSend{}
}

// storeNextSteps stores what is queued. A failure is the run's error: the
// letters keep their old times, so nothing is missed, only looked at again.
func (r *runState) storeNextSteps(ctx context.Context) error {
	steps := r.next.queued
	r.next.queued = nil
	if r.dry || len(steps) == 0 {
		return nil
	}
	_, err := r.e.Store.ScheduleNextSteps(ctx, steps)
	return err
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// FirstStep is, for registrations (store.ScheduleRegistrations), when a new
// letter's first step can come due under set: what a run would store after
// looking at it the moment it was sent. A letter without a policy, or due
// at once, gets its send time: the next run looks at it.
func FirstStep(set *policy.Set) store.FirstStep {
	return func(ns model.NewShipment) *time.Time {
		sent := ns.SentAt
		p, err := set.Match(policy.Facts{Channel: ns.Channel, Class: ns.Class, Confidential: ns.Confidential,
			RecipientKind: ns.RecipientKind, SenderOrg: ns.SenderOrg, SenderUnit: ns.SenderUnit})
		if err != nil {
			return &sent
		}
		d, err := Decide(Facts{Since: sent}, p, sent)
		if err != nil || d.Due() {
			return &sent
		}
		if at, ok := d.nextTime(); ok {
			return at
		}
		return &sent
	}
}
