package escalate

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Outlook is what lies ahead of one letter under its policy: the steps the
// escalation will take from now on, by the rules Decide and the run follow
// (Explain). `postvakt policy explain` prints it; the letter's evidence page
// and the API show it (OutlookOf).
type Outlook struct {
	// Policy is the policy that governs the letter.
	Policy *policy.Policy
	// Steps are the steps still to come, the one due now first, each with
	// when it comes due and the earliest moment it is carried out (the
	// send window); none when Why says so.
	Steps []policy.Scheduled
	// Why says why there are no steps, or why they are not the policy's
	// usual schedule: one of the Why codes, "" for the usual schedule.
	Why string
	// Note says it in English, for `policy explain`.
	Note string
	// Unheard: the channel has never heard of the letter, so its
	// reminders are not sent until it does (Decide); print follows the
	// policy.
	Unheard bool
	// ToPerson: the recipient is a person, whom reminders do not reach
	// (mailed); print follows the policy.
	ToPerson bool
	// Batch is, for Why WhyApproval, the print batch whose release the
	// letter's print waits for (0 when not known).
	Batch int64
}

// Why an outlook has no steps, or not the policy's usual ones (Outlook.Why).
const (
	WhyEnded              = "ended"           // the letter was opened, rejected or expired: nothing more
	WhyStage              = "stage"           // the escalation stage ended the policy's steps (print due, printed, manual, closed ...)
	WhyUndeliveredNoPrint = "failed_no_print" // the channel could not deliver it and the policy has no print
	WhyUndelivered        = "failed"          // the channel could not deliver it: print at once, no reminders
	WhyHeld               = "held"            // the channel holds it for a later delivery the sender asked for
	WhyCatchUp            = "catch_up"        // first met past its print window: the policy's catch_up rule
	WhyFirstAnswer        = "first_answer"    // past its print window, not met before the channel's first answer about it (Facts.Unasked)
	// WhyApproval: its print is held in an approval batch (stage
	// print_held, Outlook.Batch): what comes next is a compliance
	// officer's release (or rejection) of the batch, not a step of the
	// policy's. It has no due time, so it is no next step of the lists
	// (Next, NextStepOf: none), which are the escalation's dated steps.
	WhyApproval = "print_approval"
)

// OutlookOf is the outlook of sh at now under the policy of set that
// matches it, as the run would match it: an error wrapping
// policy.ErrNoPolicy when none does.
func OutlookOf(set *policy.Set, sh store.OpenShipment, now time.Time) (Outlook, error) {
	return outlookOf(set, sh, now, true)
}

// outlookOf is OutlookOf, with say its Note (explain).
func outlookOf(set *policy.Set, sh store.OpenShipment, now time.Time, say bool) (Outlook, error) {
	p, err := set.Match(policyFacts(sh))
	if err != nil {
		return Outlook{}, fmt.Errorf("the policy of shipment %s: %w", sh.ID, err)
	}
	o, err := explain(sh.State, sh.Stage, FactsOf(sh), p, now, say)
	if err != nil {
		return Outlook{}, err
	}
	o.ToPerson = !mailed(sh.RecipientKind) && remindsIn(o.Steps)
	return o, nil
}

// policyFacts is what a policy is matched by, of an open shipment (the
// run and OutlookOf alike).
func policyFacts(sh store.OpenShipment) policy.Facts {
	return policy.Facts{Channel: sh.Channel, Class: sh.Class, Confidential: sh.Confidential,
		RecipientKind: sh.RecipientKind, SenderOrg: sh.SenderOrg, SenderUnit: sh.SenderUnit}
}

// mailed is the rule of who gets reminders: organisations, by e-mail
// (and Altinn Notifications). A person's reminder is decided but not sent:
// postvakt has no address for persons; print follows.
func mailed(recipientKind string) bool { return recipientKind == model.RecipientOrg }

// remindsIn says whether steps hold a reminder.
func remindsIn(steps []policy.Scheduled) bool {
	for _, s := range steps {
		if s.Step.Kind == policy.StepRemind {
			return true
		}
	}
	return false
}

// A next step's codes (NextStep.Step).
const (
	NextReminder = "reminder" // a reminder to the recipient (NextStep.N its number)
	NextPrint    = "print"    // the print fallback through the print provider
	NextManual   = "manual"   // the print that is the sending unit's manual handling through Digital Post's physical post
)

// NextStep is a letter's next step as the lists show it (the UI's list
// page, the API's next_step, the exports' next_step and next_step_at,
// `postvakt report`): what (NextReminder N, NextPrint or NextManual) and
// when it comes due.
type NextStep struct {
	Step string
	N    int // a reminder's number
	Due  time.Time
	// SendAt is, for a reminder, the earliest moment it may be sent (the
	// policy's send window): after Due, or after now when it is overdue,
	// while the window holds it. Zero for a print (no window).
	SendAt time.Time
}

// Next is the first step of o as the lists show it (NextStep): nil when o
// has none.
func (o Outlook) Next() *NextStep {
	if len(o.Steps) == 0 {
		return nil
	}
	first := o.Steps[0]
	n := &NextStep{Step: NextReminder, N: first.Step.N, Due: first.Due.UTC(), SendAt: first.SendAt.UTC()}
	if first.Step.Kind == policy.StepPrint {
		n = &NextStep{Step: NextPrint, Due: first.Due.UTC()}
		if o.Policy != nil && o.Policy.Print.Via == policy.PrintViaDigitalPost {
			n.Step = NextManual
		}
	}
	return n
}

// NextStepOf is the next step of sh at now under set, the one rule every
// list and export says it by: the first step of its outlook (OutlookOf,
// Outlook.Next). Nil without set, for a letter that no longer escalates
// (model.Escalates: no read of its policy), when no policy matches it (the
// run takes no step for it), and when none is to come; an error when its
// outlook cannot be said. It says no English (no Reason, no Note): a list
// of many letters needs only their steps.
func NextStepOf(set *policy.Set, sh store.OpenShipment, now time.Time) (*NextStep, error) {
	if set == nil || !model.Escalates(sh.State, sh.Stage) {
		return nil, nil
	}
	o, err := outlookOf(set, sh, now, false)
	switch {
	case errors.Is(err, policy.ErrNoPolicy):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return o.Next(), nil
}

// Unexplained counts the letters of one list or export whose next step
// could not be said (NextStepOf's error), keeping the first, so that they
// are logged once (Log) and not once per letter.
type Unexplained struct {
	n     int
	first string
	err   error
}

// Add counts the letter id whose next step failed with err.
func (u *Unexplained) Add(id string, err error) {
	if u.n == 0 {
		u.first, u.err = id, err
	}
	u.n++
}

// Log logs the failures to log as one line naming what they were part of
// ("an export", "a list page"); nothing when there were none. The error
// names the policy and the fault, never a letter's content.
func (u *Unexplained) Log(log *slog.Logger, what string) {
	if u.n == 0 {
		return
	}
	log.Error("cannot explain the escalation of "+what+"'s letters: their next step is left empty",
		"letters", u.n, "first_shipment", u.first, "error", u.err)
}

// Explain lists the steps the escalation will take for a shipment in state
// and stage from now on, by the rule Decide follows (decide) and the run's
// (model.Escalates), with why there are none or the schedule is not the
// policy's usual one (Outlook.Why, and Note for people).
func Explain(state model.State, stage model.Stage, f Facts, p *policy.Policy, now time.Time) (Outlook, error) {
	return explain(state, stage, f, p, now, true)
}

// explain is Explain; with say it writes Outlook.Note, the English of
// `policy explain`; without, Note is left empty (the lists, the API and the
// exports read Why). The steps are decide's, which it asks without its
// reasons either way.
func explain(state model.State, stage model.Stage, f Facts, p *policy.Policy, now time.Time, say bool) (Outlook, error) {
	o := Outlook{Policy: p}
	switch {
	case !model.Escalates(state, stage) && !state.Open() && state != model.StateFailed:
		o.Why = WhyEnded
		if say {
			o.Note = fmt.Sprintf("no further steps: the shipment is %s", state)
		}
		return o, nil
	case stage == model.StagePrintHeld:
		o.Why, o.Batch = WhyApproval, f.PrintBatch
		if say {
			o.Note = fmt.Sprintf("no further steps from the policy: its print waits for a compliance officer's release of print batch %d "+
				"(postvakt print approve %d; rejected, it is not printed)", f.PrintBatch, f.PrintBatch)
		}
		return o, nil
	case !model.Escalates(state, stage):
		o.Why = WhyStage
		if say {
			o.Note = fmt.Sprintf("no further steps from the policy: the escalation stage is %s", stage)
		}
		return o, nil
	}
	r, err := decide(f, p, now, false)
	if err != nil {
		return Outlook{}, err
	}
	o.Why = r.why
	switch r.why {
	case WhyUndeliveredNoPrint:
		if say {
			o.Note = fmt.Sprintf("the channel could not deliver it; policy %s has no print fallback: no further steps", p.Name)
		}
	case WhyUndelivered:
		o.Steps = []policy.Scheduled{{Step: r.Step, Due: now, SendAt: now}}
		if say {
			o.Note = "the channel could not deliver it: it goes to print at once, without reminders"
		}
	case WhyHeld:
		if say {
			o.Note = heldForDelivery
		}
	case WhyFirstAnswer:
		// The steps are the catch-up's as it would begin now: what comes
		// once the channel has answered (or the wait ends).
		met := f
		met.Unasked = false
		c, err := decide(met, p, now, false)
		if err == nil && c.why == WhyCatchUp {
			o.Steps = catchUpSteps(c, met, p, now)
		}
		if err == nil && c.why == "" {
			// Not a catch-up (a step due at once within the policy's
			// plan): the usual schedule, once the channel has answered.
			o.Why, o.Steps = "", c.plan.Steps()
			if say {
				o.Note = fmt.Sprintf("a step is due; the escalation takes it once the channel has answered about it (its first poll), "+
					"by %s at the latest", noteTime(p, f.Registered.Add(FirstAnswerWait)))
			}
			break
		}
		if say {
			o.Note = fmt.Sprintf("past its print window; the escalation meets it once the channel has answered about it (its first poll), "+
				"by %s at the latest: then it catches up under policy %s's catch_up",
				noteTime(p, f.Registered.Add(FirstAnswerWait)), p.Name)
		}
	case WhyCatchUp:
		o.Steps = catchUpSteps(r, f, p, now)
		if say {
			o.Note = fmt.Sprintf("past its print window when the escalation first met it (%s): catching up under policy %s's catch_up, "+
				"%d reminder(s), then print %s after the last", noteTime(p, r.catchUpSince), p.Name,
				catchUpReminders(p), days(p.CatchUp.Grace))
		}
	default:
		// The plan Decide follows: the reminders sent are behind it, the
		// next counts from when the last one actually went out.
		o.Steps = r.plan.Steps()
	}
	// Decide's rule (unheard): no reminder about a letter the channel has
	// never heard of; print follows the policy.
	o.Unheard = !f.UnknownSince.IsZero() && remindsIn(o.Steps)
	return o, nil
}

// catchUpSteps are the steps of a letter catching up (r, decided under
// catch_up): the next catch-up step as Decide takes it, the catch-up
// reminders still to come after it as catchUp would take them, each sent
// (repeat_every business days after the one before, inside the send
// window, while before the print), and the print grace after the last.
func catchUpSteps(r ruling, f Facts, p *policy.Policy, now time.Time) []policy.Scheduled {
	var steps []policy.Scheduled
	sent, last := f.RemindersSent, f.LastReminder
	if r.Due() {
		steps = append(steps, policy.Scheduled{Step: r.Step, Due: now, SendAt: r.SendAt})
		switch {
		case r.Step.Kind == policy.StepPrint:
			return steps
		case r.Step.Kind == policy.StepRemind && (f.Unmailed || !f.UnknownSince.IsZero()):
			// Nothing can be mailed (a person, or a letter the channel
			// has never heard of: Decide sends none): the print follows
			// the grace from what was sent before.
			at := p.Calendar.AddBusinessDays(latest(r.catchUpSince, last), p.CatchUp.Grace)
			return append(steps, policy.Scheduled{Step: policy.Step{Kind: policy.StepPrint}, Due: at, SendAt: at})
		case r.Step.Kind == policy.StepRemind:
			sent, last = sent+1, r.SendAt
		}
	}
	cal := p.Calendar
	for {
		printAt := cal.AddBusinessDays(latest(r.catchUpSince, last), p.CatchUp.Grace)
		if sent < catchUpReminders(p) {
			due := r.catchUpSince
			if !last.IsZero() && !last.Before(r.catchUpSince) {
				due = cal.AddBusinessDays(last, max(p.Reminders.RepeatEvery, 1))
			}
			if sendAt := p.NextSendTime(latest(due, now)); sendAt.Before(printAt) {
				steps = append(steps, policy.Scheduled{Step: policy.Step{Kind: policy.StepRemind, N: sent + 1}, Due: due, SendAt: sendAt})
				sent, last = sent+1, sendAt
				continue
			}
		}
		return append(steps, policy.Scheduled{Step: policy.Step{Kind: policy.StepPrint}, Due: printAt, SendAt: printAt})
	}
}

// noteTime is t as an Outlook's Note tells it: on the clock `policy
// explain` prints the steps by, the policy's calendar zone (not the send
// window's, which a policy may lack: UTC then, unmarked beside the steps).
func noteTime(p *policy.Policy, t time.Time) string {
	return t.In(p.Calendar.Location()).Format("2006-01-02 15:04")
}
