package escalate

import (
	"errors"
	"fmt"
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
}

// Why an outlook has no steps, or not the policy's usual ones (Outlook.Why).
const (
	WhyEnded              = "ended"           // the letter was opened, rejected or expired: nothing more
	WhyStage              = "stage"           // the escalation stage ended the policy's steps (print due, printed, manual, closed ...)
	WhyUndeliveredNoPrint = "failed_no_print" // the channel could not deliver it and the policy has no print
	WhyUndelivered        = "failed"          // the channel could not deliver it: print at once, no reminders
	WhyHeld               = "held"            // the channel holds it for a later delivery the sender asked for
	WhyCatchUp            = "catch_up"        // first met past its print window: the policy's catch_up rule
)

// OutlookOf is the outlook of sh at now under the policy of set that
// matches it, as the run would match it: an error wrapping
// policy.ErrNoPolicy when none does.
func OutlookOf(set *policy.Set, sh store.OpenShipment, now time.Time) (Outlook, error) {
	p, err := set.Match(policyFacts(sh))
	if err != nil {
		return Outlook{}, fmt.Errorf("the policy of shipment %s: %w", sh.ID, err)
	}
	o, err := Explain(sh.State, sh.Stage, FactsOf(sh), p, now)
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
}

// Next is the first step of o as the lists show it (NextStep): nil when o
// has none.
func (o Outlook) Next() *NextStep {
	if len(o.Steps) == 0 {
		return nil
	}
	first := o.Steps[0]
	n := &NextStep{Step: NextReminder, N: first.Step.N, Due: first.Due.UTC()}
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
// outlook cannot be said.
func NextStepOf(set *policy.Set, sh store.OpenShipment, now time.Time) (*NextStep, error) {
	if set == nil || !model.Escalates(sh.State, sh.Stage) {
		return nil, nil
	}
	o, err := OutlookOf(set, sh, now)
	switch {
	case errors.Is(err, policy.ErrNoPolicy):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return o.Next(), nil
}
