// Package escalate decides each open shipment's next escalation step and
// hands it on: due reminders, grouped per receiving organisation, to
// internal/remind; shipments whose print fallback became due to a Printer
// (*printing.Service fits; the default does nothing and leaves them in stage
// print_due).
//
// The decision (Decide) is a pure function of a shipment's progress, its
// policy and a clock. The run (Escalator.Run) is thin I/O around it: it
// streams the open shipments from the store, records each new decision in
// the shipment's evidence log, and delivers one reminder per organisation.
package escalate

import (
	"fmt"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/policy"
)

// Facts is what a decision needs to know about one shipment's escalation.
type Facts struct {
	// Since is when the shipment started waiting: when it became available
	// to the recipient, else when it was sent.
	Since time.Time
	// RemindersSent is how many reminders were sent already.
	RemindersSent int
	// LastReminder is when the last reminder was sent (zero if none).
	LastReminder time.Time
	// Failed says the channel could not deliver the shipment (SvarUt
	// IKKE_LEVERT, Altinn Failed or Reserved): reminding cannot help, it
	// needs paper at once.
	Failed bool
	// Decided says an escalation step was decided for the shipment before
	// (any run recorded one): the escalation has met it already.
	Decided bool
	// CatchUpSince is when the escalation first met the shipment past its
	// print window and started catching up (zero: it is not catching up).
	CatchUpSince time.Time
	// UnknownSince is when the channel was first found not to know the
	// shipment at all (zero: it knows it). A reminder about it would point
	// the recipient at nothing: reminders are not sent; print follows the
	// policy as usual.
	UnknownSince time.Time
	// Unasked says the channel has not answered about the shipment yet
	// (a back-fill imported a moment ago, before the poller asked about
	// it), nor said it does not know it; Registered is when postvakt
	// registered it. Such a letter past its print window is not met
	// (catch_up) until the channel answers, for FirstAnswerWait at most.
	Unasked    bool
	Registered time.Time
	// Unmailed says the recipient gets no reminder mail (a person:
	// postvakt reminds organisations only). A letter catching up then
	// prints catch_up.grace business days after the escalation first met
	// it, not after a reminder that is never sent (nor after the send
	// window's next opening).
	Unmailed bool
	// Scheduled says the channel holds the shipment for a delivery the
	// sender asked to be later (channel.Spec.Scheduled: Digital Post's
	// delayed delivery): it is not waiting for its recipient yet.
	Scheduled bool
	// PrintBatch is the approval batch whose release the shipment's held
	// print waits for (stage print_held; 0 otherwise): what Explain says
	// comes next (WhyApproval).
	PrintBatch int64
}

// heldForDelivery says why a shipment the channel holds for a later
// delivery has no step (Decide and Explain).
const heldForDelivery = "held: the channel delivers it later, as the sender asked; its steps count from its delivery"

// scheduledLookAgain is how soon a run looks again at a shipment the
// channel holds for a later delivery (Facts.Scheduled).
const scheduledLookAgain = 24 * time.Hour

// Decision is the step a shipment needs now, and why.
type Decision struct {
	// Step is the step due now: none, reminder n, or print.
	Step policy.Step
	// Policy is the name of the policy that decided.
	Policy string
	// Reason says why, for the evidence log and for people, e.g.
	// "reminder 1 due: 2 business days unopened (policy taushetsbelagt)".
	Reason string
	// SendAt is the earliest moment the step may be carried out.
	SendAt time.Time
	// Wait is true for a due reminder outside the policy's send window
	// (quiet hours): it is not sent now, it waits for SendAt.
	Wait bool
	// Unopened is how many whole business days the shipment has waited.
	Unopened int
	// NeedsApproval is true for a print step whose policy wants a
	// compliance officer to release it.
	NeedsApproval bool
	// CatchUp is true when the step follows the policy's catch_up rule: the
	// shipment was past its print window when the escalation first met it.
	CatchUp bool
	// Unheard is true for a due reminder that is not sent because the
	// channel has never heard of the shipment (Facts.UnknownSince): it
	// waits for the channel, or for print.
	Unheard bool
	// Unasked is true when nothing is decided because the channel has not
	// answered about the back-fill yet (Facts.Unasked, awaitFirstAnswer).
	Unasked bool
	// Next is when the shipment's next step can come due: the first step
	// still to come (after the step due now, assuming it is carried out at
	// SendAt). Never says no step can come any more under the policy. With
	// neither, it cannot be said and the run looks at the shipment again
	// next time. The run keeps it (store.NextStep), so it looks only at
	// shipments whose step may be due.
	Next  time.Time
	Never bool
	// PrintAt is, for a due reminder, when the shipment's print step can
	// come due if it stays unopened (the reminder tells the business);
	// zero when the policy does not print it.
	PrintAt time.Time
}

// Due reports whether a step is due now (whether or not it must wait for
// the send window).
func (d Decision) Due() bool { return d.Step.Kind != policy.StepNone }

// Label names the step for people and previews: "reminder 1", "print",
// "catch-up reminder 1", "catch-up print".
func (d Decision) Label() string {
	if d.CatchUp {
		return "catch-up " + d.Step.String()
	}
	return d.Step.String()
}

// Recorded is the step as the letter's evidence and escalation_step keep
// it: the step, or for a reminder not sent because the channel has never
// heard of the letter "reminder 1 not sent (unknown to the channel)", so
// that the reminder, once the channel knows the letter, is a decision of
// its own.
func (d Decision) Recorded() string {
	if d.Unheard {
		return d.Step.String() + " not sent (unknown to the channel)"
	}
	return d.Step.String()
}

// Decide computes the step a shipment needs at now under policy p, built on
// policy.Plan: nothing, reminder n (possibly waiting for the send window),
// or the print fallback. It is pure; the caller supplies the clock.
func Decide(f Facts, p *policy.Policy, now time.Time) (Decision, error) {
	r, err := decide(f, p, now, true)
	return r.Decision, err
}

// ruling is a decision with what Explain reads of how it was reached.
type ruling struct {
	Decision
	// why is the rule the decision followed: "" for the policy's plan,
	// else WhyUndelivered, WhyUndeliveredNoPrint, WhyHeld or WhyCatchUp.
	why string
	// plan is the plan it followed (why "").
	plan policy.Plan
	// catchUpSince is when the catch-up began (why WhyCatchUp): now, when
	// it begins with this decision.
	catchUpSince time.Time
}

// decide is the one rule Decide and Explain follow. With say it says why
// in English (Decision.Reason, and Decision.Unopened, which only the reason
// uses) for the evidence log; without, both are left empty: an outlook
// (the lists, the API, the exports) needs only the steps.
func decide(f Facts, p *policy.Policy, now time.Time, say bool) (ruling, error) {
	if f.Failed {
		d := Decision{Policy: p.Name, SendAt: now, Never: true}
		if !printsAtOnce(f, p) {
			return ruling{Decision: d, why: WhyUndeliveredNoPrint}, nil
		}
		d.Step = policy.Step{Kind: policy.StepPrint}
		d.NeedsApproval = p.PrintNeedsApproval(!f.CatchUpSince.IsZero())
		if say {
			d.Reason = fmt.Sprintf("print due: the channel could not deliver the shipment (policy %s)", p.Name)
			if d.NeedsApproval {
				d.Reason += "; needs a compliance officer's approval"
			}
		}
		return ruling{Decision: d, why: WhyUndelivered}, nil
	}
	if f.Scheduled && now.Before(f.Since.Add(channel.HeldAtMost)) {
		// Nothing is due before the letter is in the mailbox: once it is,
		// Since is its delivery and the plan counts from there. Until
		// then the run looks again daily (a state change alone does not
		// bring a step forward).
		// ... and at the latest when the hold ends, when print may be due.
		next := now.Add(scheduledLookAgain)
		if limit := f.Since.Add(channel.HeldAtMost); limit.Before(next) {
			next = limit
		}
		d := Decision{Policy: p.Name, SendAt: now, Next: next}
		if say {
			d.Reason = heldForDelivery + " (policy " + p.Name + ")"
		}
		return ruling{Decision: d, why: WhyHeld}, nil
	}
	plan, err := p.Plan(policy.Progress{Since: f.Since, RemindersSent: f.RemindersSent, LastReminder: f.LastReminder}, now)
	if err != nil {
		return ruling{}, fmt.Errorf("decide under policy %s: %w", p.Name, err)
	}
	starts := f.CatchUpSince.IsZero() && startsCatchUp(f, p, plan)
	// A letter met with a step due at once (a back-fill: a catch-up, an
	// overdue reminder, a print under a policy without reminders) waits
	// for the channel's first answer: it may have been opened long ago.
	if f.CatchUpSince.IsZero() && !f.Decided && plan.Now.Step.Kind != policy.StepNone &&
		f.Unasked && !now.Before(f.Registered) && now.Before(f.Registered.Add(FirstAnswerWait)) {
		return awaitFirstAnswer(f, p, now, starts, say), nil
	}
	if starts {
		f.CatchUpSince = now
	}
	// A catch-up ends in a print: under a policy changed since to print no
	// more, the letter follows the policy's plan (its reminders, no print).
	if !f.CatchUpSince.IsZero() && p.Print.Enabled {
		d := catchUp(f, p, now, say)
		switch {
		case d.Step.Kind == policy.StepRemind && !f.UnknownSince.IsZero():
			d.Next, d.Never = p.Calendar.AddBusinessDays(latest(f.CatchUpSince, f.LastReminder), p.CatchUp.Grace), false
			unheard(&d, f, p, say)
		case d.Step.Kind == policy.StepRemind && f.Unmailed:
			d.Next, d.Never = p.Calendar.AddBusinessDays(latest(f.CatchUpSince, f.LastReminder), p.CatchUp.Grace), false
			d.PrintAt = d.Next
			toPerson(&d, p, say)
		}
		return ruling{Decision: d, why: WhyCatchUp, catchUpSince: f.CatchUpSince}, nil
	}
	d := Decision{Step: plan.Now.Step, Policy: p.Name, SendAt: plan.Now.SendAt, Never: len(plan.Upcoming) == 0}
	for i, s := range plan.Upcoming {
		if i == 0 || s.Due.Before(d.Next) {
			d.Next = s.Due
		}
	}
	if d.Step.Kind == policy.StepRemind {
		for _, s := range plan.Upcoming {
			if s.Step.Kind == policy.StepPrint {
				d.PrintAt = s.Due
			}
		}
	}
	if d.Step.Kind == policy.StepRemind && !f.UnknownSince.IsZero() {
		// Not sent: the next step that can come is print (the reminders
		// after this one wait for the channel too).
		d.Next, d.Never = time.Time{}, true
		for _, s := range plan.Upcoming {
			if s.Step.Kind == policy.StepPrint {
				d.Next, d.Never = s.Due, false
			}
		}
	}
	if say {
		d.Unopened = p.Calendar.BusinessDaysBetween(f.Since, now)
	}
	switch d.Step.Kind {
	case policy.StepRemind:
		if say {
			d.Reason = fmt.Sprintf("%s due: %s unopened", d.Step, days(d.Unopened))
			if f.RemindersSent > 0 && !f.LastReminder.IsZero() {
				d.Reason += fmt.Sprintf(", %s since reminder %d", days(p.Calendar.BusinessDaysBetween(f.LastReminder, now)), f.RemindersSent)
			}
			d.Reason += fmt.Sprintf(" (policy %s)", p.Name)
		}
		if !f.UnknownSince.IsZero() {
			unheard(&d, f, p, say)
		} else if f.Unmailed {
			toPerson(&d, p, say)
		} else if now.Before(d.SendAt) {
			d.Wait = true
			if say {
				d.Reason += fmt.Sprintf("; outside the send window, waits until %s", d.SendAt.In(windowZone(p)).Format("Mon 2006-01-02 15:04 MST"))
			}
		}
	case policy.StepPrint:
		d.NeedsApproval = p.PrintNeedsApproval(false) // a letter under catch_up took the catch-up path
		if say {
			d.Reason = fmt.Sprintf("print due: %s unopened (policy %s)", days(d.Unopened), p.Name)
			if d.NeedsApproval {
				d.Reason += "; needs a compliance officer's approval"
			}
		}
	}
	return ruling{Decision: d, plan: plan}, nil
}

// unheard marks a due reminder as not sent because the channel has never
// heard of the shipment, and with say says so in the reason.
func unheard(d *Decision, f Facts, p *policy.Policy, say bool) {
	d.Unheard, d.Wait = true, false
	if !say {
		return
	}
	d.Reason += fmt.Sprintf("; not sent: the channel has never heard of the shipment (unknown to the channel since %s), "+
		"a reminder would point at nothing", f.UnknownSince.In(windowZone(p)).Format("2006-01-02 15:04 MST"))
	if d.Never {
		d.Reason += "; no print under the policy"
	} else {
		d.Reason += fmt.Sprintf("; print follows the policy (due %s)", d.Next.In(windowZone(p)).Format("2006-01-02 15:04 MST"))
	}
}

// toPerson marks a due reminder to a person (Facts.Unmailed) as not sent,
// whatever the send window: postvakt reminds organisations only, so it
// does not wait for the window either. With say it says so in the reason,
// and when print is due (Decision.PrintAt).
func toPerson(d *Decision, p *policy.Policy, say bool) {
	d.Wait = false
	if !say {
		return
	}
	d.Reason += "; not sent: postvakt reminds organisations only"
	if d.PrintAt.IsZero() {
		d.Reason += "; no print under the policy"
	} else {
		d.Reason += "; print due " + d.PrintAt.In(windowZone(p)).Format("2006-01-02 15:04 MST")
	}
}

// FirstAnswerWait is how long after its registration a letter past its
// print window (a back-fill) waits for the channel's first answer about it
// before the escalation meets it all the same (Facts.Unasked): the poller
// asks about a letter within minutes of its registration, so a day means
// the poll fails for it or the channel is down (the health rules and the
// poll errors tell); the catch-up then goes on without the answer, its
// reminders as for any letter. A run as of a moment before the letter was
// registered (escalate --now) does not wait: there was nothing to ask then.
const FirstAnswerWait = 24 * time.Hour

// firstAnswerLookAgain is how soon a letter waiting for the channel's
// first answer is looked at again (the escalation's default schedule).
const firstAnswerLookAgain = 15 * time.Minute

// awaitFirstAnswer is the decision about a back-fill the channel has not
// answered about yet: nothing now, looked at again soon, and at the
// latest when FirstAnswerWait ends. A catch-up reminder about a letter
// opened years ago would tell a business it has post unread that it read.
func awaitFirstAnswer(f Facts, p *policy.Policy, now time.Time, catchUp, say bool) ruling {
	next := now.Add(firstAnswerLookAgain)
	if limit := f.Registered.Add(FirstAnswerWait); limit.Before(next) {
		next = limit
	}
	d := Decision{Policy: p.Name, SendAt: now, Next: next, Unasked: true}
	if say {
		what, then := "a step due", "before its step"
		if catchUp {
			what, then = "past its print window", "before catching up"
		}
		d.Reason = fmt.Sprintf("%s and registered %s: waits for the channel's first answer about it "+
			"%s (policy %s), until %s at the latest", what, f.Registered.In(windowZone(p)).Format("2006-01-02 15:04 MST"), then, p.Name,
			f.Registered.Add(FirstAnswerWait).In(windowZone(p)).Format("2006-01-02 15:04 MST"))
	}
	return ruling{Decision: d, why: WhyFirstAnswer}
}

// startsCatchUp is the rule for a letter the escalation meets for the
// first time (no step decided before) when its print window has already
// passed, with reminders the policy wanted skipped: it catches up (policy
// catch_up) instead of going to print at once.
func startsCatchUp(f Facts, p *policy.Policy, plan policy.Plan) bool {
	return p.CatchesUp() && !f.Decided && plan.Now.Step.Kind == policy.StepPrint && len(plan.Skipped) > 0 &&
		p.CatchUp.Reminders > f.RemindersSent
}

// catchUp decides under the policy's catch_up rule: up to
// catch_up.reminders reminders (the first at once, the next repeat_every
// business days after the one before, inside the send window), then print
// catch_up.grace business days after the last reminder (or after the
// escalation first met the letter, when none could be sent), with approval
// when catch_up.requires_approval. With say it says why (decide).
func catchUp(f Facts, p *policy.Policy, now time.Time, say bool) Decision {
	cu, cal := p.CatchUp, p.Calendar
	d := Decision{Policy: p.Name, CatchUp: true, SendAt: now}
	if say {
		d.Unopened = cal.BusinessDaysBetween(f.Since, now)
	}
	from := f.CatchUpSince
	if f.LastReminder.After(from) {
		from = f.LastReminder
	}
	printAt := cal.AddBusinessDays(from, cu.Grace)
	// A reminder sent at or after the catch-up began is a catch-up reminder
	// (the first goes out in the run that starts the catch-up, at its time).
	caughtUp := !f.LastReminder.IsZero() && !f.LastReminder.Before(f.CatchUpSince)
	if f.RemindersSent < catchUpReminders(p) {
		due := f.CatchUpSince
		if caughtUp {
			due = cal.AddBusinessDays(f.LastReminder, max(p.Reminders.RepeatEvery, 1))
		}
		sendAt := p.NextSendTime(latest(due, now))
		if sendAt.Before(printAt) {
			if now.Before(due) {
				d.Next = due
				return d
			}
			d.Step = policy.Step{Kind: policy.StepRemind, N: f.RemindersSent + 1}
			d.SendAt = sendAt
			// Sent at sendAt, the next step is another catch-up reminder or
			// the print grace counted from it, whichever comes first.
			d.Next = cal.AddBusinessDays(sendAt, cu.Grace)
			d.PrintAt = d.Next
			if f.RemindersSent+1 < catchUpReminders(p) {
				if r := cal.AddBusinessDays(sendAt, max(p.Reminders.RepeatEvery, 1)); r.Before(d.Next) {
					d.Next = r
				}
			}
			d.Wait = now.Before(sendAt)
			if say {
				d.Reason = fmt.Sprintf("catch-up %s due: %s unopened, past its print window when first met (policy %s)",
					d.Step, days(d.Unopened), p.Name)
				if d.Wait {
					d.Reason += fmt.Sprintf("; outside the send window, waits until %s", sendAt.In(windowZone(p)).Format("Mon 2006-01-02 15:04 MST"))
				}
			}
			return d
		}
	}
	if now.Before(printAt) {
		d.Next = printAt
		return d
	}
	d.Step = policy.Step{Kind: policy.StepPrint}
	d.NeedsApproval = p.PrintNeedsApproval(true)
	if !say {
		return d
	}
	after := "the catch-up reminder"
	if !caughtUp {
		after = "the escalation first met it (no reminder could go out)"
	}
	d.Reason = fmt.Sprintf("catch-up print due: %s after %s (policy %s)", days(cu.Grace), after, p.Name)
	if d.NeedsApproval {
		d.Reason += "; needs a compliance officer's approval"
	}
	return d
}

// catchUpReminders is how many reminders a catch-up sends under p as it
// is now: none once the policy sends no reminders (changed since the
// catch-up began), never more than reminders.max; the print then follows
// the grace after the escalation first met the letter.
func catchUpReminders(p *policy.Policy) int {
	if !p.CatchesUp() {
		return 0
	}
	return min(p.CatchUp.Reminders, p.Reminders.Max)
}

func windowZone(p *policy.Policy) *time.Location {
	if p.SendWindow != nil && p.SendWindow.Location != nil {
		return p.SendWindow.Location
	}
	return time.UTC
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func days(n int) string {
	if n == 1 {
		return "1 business day"
	}
	return fmt.Sprintf("%d business days", n)
}

// printsAtOnce is the rule for a letter the channel could not deliver
// (Facts.Failed): reminding cannot help, so it goes to print at once when
// its policy prints at all (decide, for Decide and Explain).
func printsAtOnce(f Facts, p *policy.Policy) bool { return f.Failed && p.Print.Enabled }
