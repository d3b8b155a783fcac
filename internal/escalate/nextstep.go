package escalate

import (
	"context"
	"sync"
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
//	due, send window   the window's opening (Decision.SendAt)
//	due, to a person   the step after it (no e-mail to persons; print comes)
//	due reminder       unchanged, so it stays due, until the reminder is
//	                   sent; then the step after it (a failed or unknown
//	                   send is looked at again next run)
//	print due          nothing: the letter leaves the escalation (print_due)
//	cannot decide      unchanged: looked at again next run
//
// A change that can make a step come earlier resets the time in the store
// (the poll, when a letter fails), and a change of the policies makes the
// next run look at every open letter (policy.Set.Fingerprint).
type nextSteps struct {
	queued []store.NextStep // to store at the next flush (the streaming goroutine's)

	mu        sync.Mutex
	afterSend map[string]store.NextStep // due reminders: stored once sent
	sent      []store.NextStep          // reminders sent: to store
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
	if r.dry || sameTime(sh.NextStepAt, at) {
		return
	}
	r.next.queued = append(r.next.queued, store.NextStep{ShipmentID: sh.ID, Seen: sh.NextStepAt, At: at})
}

// schedule does the bookkeeping of one decided letter (see nextSteps).
func (r *runState) schedule(sh store.OpenShipment, d Decision) {
	switch {
	case !d.Due():
		if at, ok := d.nextTime(); ok {
			r.lookAgain(sh, at)
		}
	case d.Step.Kind == policy.StepPrint:
	case d.Wait:
		at := d.SendAt
		r.lookAgain(sh, &at)
	case sh.RecipientKind != model.RecipientOrg:
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
		if at, ok := d.nextTime(); ok && !r.dry {
			r.next.mu.Lock()
			r.next.afterSend[sh.ID] = store.NextStep{ShipmentID: sh.ID, Seen: seen, At: at}
			r.next.mu.Unlock()
		}
	}
}

// reminded moves the letters of a sent reminder to the queue to store.
func (r *runState) reminded(ids []string) {
	r.next.mu.Lock()
	defer r.next.mu.Unlock()
	for _, id := range ids {
		if st, ok := r.next.afterSend[id]; ok {
			r.next.sent = append(r.next.sent, st)
			delete(r.next.afterSend, id)
		}
	}
}

// storeNextSteps stores what is queued. A failure is the run's error: the
// letters keep their old times, so nothing is missed, only looked at again.
func (r *runState) storeNextSteps(ctx context.Context) error {
	r.next.mu.Lock()
	steps := append(r.next.queued, r.next.sent...)
	r.next.queued, r.next.sent = nil, nil
	r.next.mu.Unlock()
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
