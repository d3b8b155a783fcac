package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postvakt/internal/escalate"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// WithPolicies gives the server the policies the escalation runs by (the
// set serve loads): a letter's page, its evidence JSON and GET
// /api/v1/shipments/{id} then say which policy governs the letter and when
// its next steps come (escalate.OutlookOf, as `postvakt policy explain`).
// Without it they say nothing of either.
func WithPolicies(set *policy.Set) Option { return func(s *Server) { s.policies = set } }

// Outlook.Why beyond escalate's: no policy matches the letter, so the
// escalation takes no step for it (the run logs it as an error).
const whyNoPolicy = "no_policy"

// Why a reminder of an outlook is not sent (Outlook.RemindersNotSent).
const (
	notSentUnknown = "unknown_to_channel" // the channel has never heard of the letter
	notSentPerson  = "person"             // reminders do not reach persons
)

// Outlook is a letter's policy and the dates of its future steps, as of
// AsOf, as the page and the JSON show them.
type Outlook struct {
	// Policy is the name of the policy that governs the letter ("" when
	// none matches: Why no_policy).
	Policy string    `json:"policy"`
	AsOf   time.Time `json:"as_of"`
	// Steps are the steps to come, the one due now first; empty when Why
	// says there are none.
	Steps []OutlookStep `json:"steps"`
	// Why says why there are no steps, or why they are not the policy's
	// usual schedule (escalate.Outlook.Why, or no_policy); "" for the
	// usual schedule.
	Why string `json:"why,omitempty"`
	// RemindersNotSent says why the reminders among Steps are decided but
	// not sent: unknown_to_channel or person; "" when they are sent.
	RemindersNotSent string `json:"reminders_not_sent,omitempty"`
}

// OutlookStep is one future step: a reminder (N its number) or the print
// fallback (Via: provider, or digitalpost, the sending unit's manual
// handling through Digital Post's physical post).
type OutlookStep struct {
	Step             string    `json:"step"`
	N                int       `json:"n,omitempty"`
	Due              time.Time `json:"due"`
	SendFrom         time.Time `json:"send_from"`
	Via              string    `json:"via,omitempty"`
	RequiresApproval bool      `json:"requires_approval,omitempty"`
}

// outlook is the outlook of the shipment id as of now: nil without the
// policies (WithPolicies) or when it cannot be said (logged); an error
// only when the store does not answer.
func (s *Server) outlook(ctx context.Context, id string) (*Outlook, error) {
	if s.policies == nil {
		return nil, nil
	}
	sh, err := s.store.OpenShipmentByID(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil // deleted meanwhile (retention): nothing ahead
	case err != nil:
		return nil, fmt.Errorf("read the shipment's escalation facts: %w", err)
	}
	now := s.now()
	o, err := escalate.OutlookOf(s.policies, *sh, now)
	switch {
	case errors.Is(err, policy.ErrNoPolicy):
		return &Outlook{AsOf: now.UTC(), Steps: []OutlookStep{}, Why: whyNoPolicy}, nil
	case err != nil:
		s.log.Error("cannot explain a shipment's escalation", "shipment", id, "error", err)
		return nil, nil
	}
	out := &Outlook{Policy: o.Policy.Name, AsOf: now.UTC(), Steps: []OutlookStep{}, Why: o.Why}
	switch {
	case o.Unheard:
		out.RemindersNotSent = notSentUnknown
	case o.ToPerson:
		out.RemindersNotSent = notSentPerson
	}
	for _, st := range o.Steps {
		step := OutlookStep{Step: "reminder", N: st.Step.N, Due: st.Due.UTC(), SendFrom: st.SendAt.UTC()}
		if st.Step.Kind == policy.StepPrint {
			step = OutlookStep{Step: "print", Due: st.Due.UTC(), SendFrom: st.SendAt.UTC(), Via: o.Policy.Print.Via,
				RequiresApproval: o.Policy.PrintNeedsApproval(o.Why == escalate.WhyCatchUp)}
		}
		out.Steps = append(out.Steps, step)
	}
	return out, nil
}
