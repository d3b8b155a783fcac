package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/escalate"
	"postvakt/internal/model"
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
	// Policy is the name of the policy that governs the letter: "" when
	// none matches (Why no_policy), or when the viewer does not read its
	// name (PolicyShared; namePolicy).
	Policy string `json:"policy"`
	// PolicyShared is, for a viewer who does not read the policy's name
	// (policy.NameShown), its place on the viewer's GET /rules: "Shared
	// policy N" there.
	PolicyShared int `json:"policy_shared,omitempty"`
	// Anchor is the id of the policy's section on the viewer's GET
	// /rules, which the letter's page links it to ("": not linked).
	Anchor string    `json:"-"`
	AsOf   time.Time `json:"as_of"`
	// Steps are the steps to come, the one due now first; empty when Why
	// says there are none.
	Steps []OutlookStep `json:"steps"`
	// Why says why there are no steps, or why they are not the policy's
	// usual schedule (escalate.Outlook.Why, or no_policy); "" for the
	// usual schedule.
	Why string `json:"why,omitempty"`
	// PrintBatch is, for Why print_approval, the print batch whose release
	// the letter's print waits for.
	PrintBatch int64 `json:"print_batch,omitempty"`
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

// outlook is the outlook of the shipment id as of now, its policy named
// as p reads it (namePolicy): nil without the policies (WithPolicies) or
// when it cannot be said (logged); an error only when the store does not
// answer.
func (s *Server) outlook(ctx context.Context, p *auth.Principal, id string) (*Outlook, error) {
	o, _, err := s.ahead(ctx, p, id)
	return o, err
}

// ahead is the outlook of the shipment id as of now (outlook) and its next
// step by the lists' one rule (escalate.NextStepOf: the first step of the
// outlook, escalate.Outlook.Next), from one read of its facts and one
// reckoning of its outlook, its policy named as p reads it (namePolicy):
// nil without the policies, nil each when it cannot be said (logged
// once); an error only when the store does not answer.
func (s *Server) ahead(ctx context.Context, p *auth.Principal, id string) (*Outlook, *NextStep, error) {
	if s.policies == nil {
		return nil, nil, nil
	}
	sh, err := s.store.OpenShipmentByID(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, nil // deleted meanwhile (retention): nothing ahead
	case err != nil:
		return nil, nil, fmt.Errorf("read the shipment's escalation facts: %w", err)
	}
	now := s.now()
	o, err := escalate.OutlookOf(s.policies, *sh, now)
	switch {
	case errors.Is(err, policy.ErrNoPolicy):
		return &Outlook{AsOf: now.UTC(), Steps: []OutlookStep{}, Why: whyNoPolicy}, nil, nil
	case err != nil:
		s.log.Error("cannot explain a shipment's escalation", "shipment", sh.ID, "error", err)
		return nil, nil, nil
	}
	out := outlookView(o, now)
	if err := s.namePolicy(ctx, p, out); err != nil {
		return nil, nil, fmt.Errorf("name the letter's policy: %w", err)
	}
	return out, nextStep(o.Next()), nil
}

// outlookView is o, an outlook as of now, as the page and the JSON show
// it.
func outlookView(o escalate.Outlook, now time.Time) *Outlook {
	out := &Outlook{Policy: o.Policy.Name, AsOf: now.UTC(), Steps: []OutlookStep{}, Why: o.Why, PrintBatch: o.Batch}
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
				RequiresApproval: o.Policy.PrintNeedsApproval(o.Why == escalate.WhyCatchUp || o.Why == escalate.WhyFirstAnswer)}
		}
		out.Steps = append(out.Steps, step)
	}
	return out
}

// NextStep is a letter's next step as a list shows it: what (reminder N,
// print, or manual: the print that is the sending unit's manual handling
// through Digital Post's physical post) and when it comes due. The API
// gives it as {"step","n","at"} (next_step); the exports as their columns
// next_step and next_step_at (report.NextStep).
type NextStep struct {
	Step string    `json:"step"` // reminder, print, manual
	N    int       `json:"n,omitempty"`
	Due  time.Time `json:"at"`
	// SendFrom is when the send window lets a reminder go (zero for a
	// print): the list page says an overdue one waits for it.
	SendFrom time.Time `json:"-"`
}

// nextStep is n as the API and the list page show it.
func nextStep(n *escalate.NextStep) *NextStep {
	if n == nil {
		return nil
	}
	return &NextStep{Step: n.Step, N: n.N, Due: n.Due, SendFrom: n.SendAt}
}

// nextSteps are the next steps of a page's letters ids by id, by the
// lists' one rule (escalate.NextStepOf, the first step of the outlook its
// evidence page shows): nil without the policies (WithPolicies); a letter
// without a step to come, or whose step cannot be said, has none (the
// latter logged once, naming what the letters are: how many, the first
// and its error).
// One read by primary key for the page's letters; the rule itself is pure.
// The caller leaves out the letters that no longer escalate (escalating):
// they need no read.
func (s *Server) nextSteps(ctx context.Context, ids []string, what string) (map[string]*NextStep, error) {
	if s.policies == nil {
		return nil, nil
	}
	shs, err := s.store.OpenShipmentsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make(map[string]*NextStep, len(shs))
	var failed escalate.Unexplained
	for _, id := range ids {
		sh, ok := shs[id]
		if !ok {
			continue // deleted meanwhile (retention)
		}
		n, err := escalate.NextStepOf(s.policies, sh, now)
		if err != nil {
			failed.Add(id, err)
		}
		if n != nil {
			out[id] = nextStep(n)
		}
	}
	failed.Log(s.log, what)
	return out, nil
}

// escalating appends the id of a letter to ids when it still escalates
// (model.Escalates): only such a letter has a next step (nextSteps).
func escalating(ids []string, id string, state model.State, stage model.Stage) []string {
	if model.Escalates(state, stage) {
		return append(ids, id)
	}
	return ids
}
