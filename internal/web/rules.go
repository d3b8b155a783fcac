package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// WithHealthRules gives the server the health rules the evaluation runs by
// (health.yaml as serve loads it): GET /rules then shows them with their
// thresholds. Without it the page says it does not know them.
func WithHealthRules(h *policy.Health) Option { return func(s *Server) { s.healthRules = h } }

// rulesData is GET /rules: the policies in force in match order, their
// fingerprint and the one the escalation last recorded, and the health
// rules.
type rulesData struct {
	// Known is false without WithPolicies.
	Known bool
	// Policies are those that can govern the viewer's letters (all of
	// them for an unscoped viewer), in match order.
	Policies []policyView
	// Hidden is how many policies of other organisations or units the
	// viewer's scope leaves out.
	Hidden      int
	Fingerprint string
	// Recorded is the fingerprint the last complete escalation run
	// decided every open letter under, and when ("" before the first).
	Recorded   string
	RecordedAt time.Time
	// Senders are what senders.yaml says of the sending organisations the
	// viewer sees, by number.
	Senders []senderView
	// Health is nil for a viewer who does not see alerts, or without
	// WithHealthRules (HealthKnown false).
	ShowHealth  bool
	HealthKnown bool
	HealthFile  string
	Health      []policy.RuleTerms
	Inhibits    []policy.Term
}

// policyView is one policy as the page shows it.
type policyView struct {
	// Name, File and Line are "" and 0 for a policy whose name the
	// viewer does not read (policy.NameShown): Shared tells it instead.
	Name   string
	Shared policy.Term
	File   string // the file's name, not the server's path
	Line   int
	// Anchor is the id of the policy's section (PolicyAnchor; a shared
	// policy's by its place in the list).
	Anchor   string
	Priority int
	Match    policy.Term
	Terms    []policy.Term
	policy   string // the policy's name, whether shown or not
}

// rulesViewer is whom p's rules are described to (policy.Viewer): its
// scope, whether it reads e-mail addresses and, limited to an
// organisation or one of its units, the names of the organisation's
// sending units.
func (s *Server) rulesViewer(ctx context.Context, p *auth.Principal) (policy.Viewer, error) {
	sc := p.Scope()
	v := policy.Viewer{Org: sc.SenderOrg, Unit: sc.SenderUnit, Addresses: p.Can(auth.ViewRuleAddresses)}
	if v.Org == "" {
		return v, nil
	}
	units, err := s.store.Units(ctx, store.Scope{SenderOrg: v.Org})
	if err != nil {
		return v, fmt.Errorf("read the organisation's sending units: %w", err)
	}
	for _, u := range units {
		v.OwnUnits = append(v.OwnUnits, u.Name)
	}
	return v, nil
}

// policyRows are the policies of set v is shown, in match order (those
// that can govern v's letters: all of them for an unscoped viewer), each
// named as v may read it (policy.NameShown), and how many v's scope leaves
// out.
func policyRows(set *policy.Set, v policy.Viewer) (rows []policyView, hidden int) {
	for _, pol := range set.InMatchOrder() {
		if !pol.Match.Admits(v.Org, v.Unit) {
			hidden++
			continue
		}
		row := policyView{Priority: pol.Priority, Match: pol.MatchTerm(v), Terms: pol.Terms(v), policy: pol.Name}
		if pol.NameShown(v) {
			row.Name, row.File, row.Line, row.Anchor = pol.Name, filepath.Base(pol.File), pol.Line, PolicyAnchor(pol.Name)
		} else {
			n := len(rows) + 1
			row.Shared, row.Anchor = policy.SharedTerm(n), "policy-shared-"+strconv.Itoa(n)
		}
		rows = append(rows, row)
	}
	return rows, hidden
}

// namePolicy names o's policy as p's GET /rules names it (policyRows, by
// policy.NameShown): by its name where p reads it, else as its place
// there (Outlook.PolicyShared, "Shared policy N", Policy ""), with the id
// of its section there (Outlook.Anchor) when p sees /rules. A letter's
// page, its evidence.json and GET /api/v1/shipments/{id} name it so: a
// scoped viewer reads the name of a policy whose match names other
// organisations' letters too nowhere, not even for its own letter. A
// policy p's /rules does not show (none of p's letters can match it) is
// named not at all.
func (s *Server) namePolicy(ctx context.Context, p *auth.Principal, o *Outlook) error {
	if o == nil || o.Policy == "" {
		return nil
	}
	rows, err := s.shownPolicies(ctx, p)
	if err != nil {
		return err
	}
	row, n, ok := shownPolicy(rows, o.Policy)
	o.Policy = ""
	if !ok {
		return nil
	}
	o.Policy = row.Name
	if row.Name == "" {
		o.PolicyShared = n
	}
	if p.Can(auth.ViewRules) {
		o.Anchor = row.Anchor
	}
	return nil
}

// shownPolicies are the policies as p's GET /rules lists them
// (policyRows).
func (s *Server) shownPolicies(ctx context.Context, p *auth.Principal) ([]policyView, error) {
	v, err := s.rulesViewer(ctx, p)
	if err != nil {
		return nil, err
	}
	rows, _ := policyRows(s.policies, v)
	return rows, nil
}

// shownPolicy is the row of rows that describes the policy called name,
// and its place among them (from 1: "Shared policy N"); ok false when
// rows do not show it.
func shownPolicy(rows []policyView, name string) (row policyView, n int, ok bool) {
	for i, r := range rows {
		if r.policy == name {
			return r, i + 1, true
		}
	}
	return policyView{}, 0, false
}

// policyLabels names policies in r's language as r's viewer reads them on
// GET /rules (shownPolicy): the name, "Shared policy N", or "" for one its
// /rules does not show. The print batches' and the preview's policy
// columns use it, as a letter's page uses namePolicy. Without the
// policies (tests without WithPolicies) a name stays as it is.
func (s *Server) policyLabels(r *http.Request) (func(name string) string, error) {
	if s.policies == nil {
		return func(name string) string { return name }, nil
	}
	rows, err := s.shownPolicies(r.Context(), principal(r.Context()))
	if err != nil {
		return nil, err
	}
	l := s.loc(r)
	return func(name string) string {
		row, n, ok := shownPolicy(rows, name)
		switch {
		case name == "" || !ok:
			return ""
		case row.Name == "":
			return l.T("rules.policy.shared", "N", n)
		}
		return row.Name
	}, nil
}

// senderView is one sending organisation of senders.yaml.
type senderView struct {
	Org, Name string
	Terms     []policy.Term
}

// PolicyAnchor is the id of the section on GET /rules of a policy whose
// name the viewer reads: a letter's page links to it (namePolicy).
func PolicyAnchor(name string) string { return "policy-" + name }

// rulesPage is GET /rules: the rules postvakt runs under, read-only and
// without personal data. Every role sees the policies that can govern its
// letters (a scoped viewer: those whose match names no other organisation
// or unit, naming only its own organisation's units, and their names only
// where the match names nothing of another organisation, else "Shared
// policy 2": policy.NameShown); the health rules
// are shown to those who see the alerts they raise. E-mail addresses in
// escalation.to and the rules' to: are named only to those with
// auth.ViewRuleAddresses, and to one limited to an organisation only where
// they tell of its letters alone (policy.Viewer), counted for the others.
// The view is audited, without the page's content.
func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	v, err := s.rulesViewer(r.Context(), p)
	if err != nil {
		s.internalError(w, r, "describe the rules to the viewer", err)
		return
	}
	d := rulesData{ShowHealth: p.Can(auth.ViewAlerts)}
	if s.policies != nil {
		d.Known = true
		d.Fingerprint = s.policies.Fingerprint()
		d.Policies, d.Hidden = policyRows(s.policies, v)
		senders := s.policies.Senders()
		for _, org := range slices.Sorted(maps.Keys(senders)) {
			if v.Org != "" && org != v.Org {
				continue
			}
			name, err := s.store.SenderOrgName(r.Context(), org)
			if err != nil {
				s.internalError(w, r, "read a sending organisation's name", err)
				return
			}
			d.Senders = append(d.Senders, senderView{Org: org, Name: name, Terms: senders[org].Terms()})
		}
		rec, err := s.store.LastEscalationRecord(r.Context())
		if err != nil {
			s.internalError(w, r, "read the escalation's recorded policies", err)
			return
		}
		d.Recorded, d.RecordedAt = rec.Fingerprint, rec.RecordedAt
	}
	if d.ShowHealth && s.healthRules != nil {
		d.HealthKnown = true
		d.HealthFile = filepath.Base(s.healthRules.File)
		if s.healthRules.File == "" {
			d.HealthFile = ""
		}
		d.Health = s.healthRules.Terms(v)
		d.Inhibits = s.healthRules.InhibitTerms()
	}
	s.audit(r.Context(), store.ActViewList, "rules", "")
	s.render(w, r, http.StatusOK, "rules", "title.rules", d)
}
