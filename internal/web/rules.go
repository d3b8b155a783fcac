package web

import (
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/policy"
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
	Name     string
	File     string // the file's name, not the server's path
	Line     int
	Priority int
	Match    policy.Term
	Terms    []policy.Term
}

// senderView is one sending organisation of senders.yaml.
type senderView struct {
	Org, Name string
	Terms     []policy.Term
}

// PolicyAnchor is the id of a policy's section on GET /rules: the outlook
// on a letter's page links to it.
func PolicyAnchor(name string) string { return "policy-" + name }

// rulesPage is GET /rules: the rules postvakt runs under, read-only and
// without personal data. Every role sees the policies that can govern its
// letters (a scoped viewer: those whose match names no other organisation
// or unit, naming only its own organisation's units); the health rules
// are shown to those who see the alerts they raise. E-mail addresses in
// escalation.to and the rules' to: are named only to those with
// auth.ViewRuleAddresses, and to one limited to an organisation only where
// they tell of its letters alone (policy.Viewer), counted for the others.
// The view is audited, without the page's content.
func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	sc := p.Scope()
	v := policy.Viewer{Org: sc.SenderOrg, Unit: sc.SenderUnit, Addresses: p.Can(auth.ViewRuleAddresses)}
	d := rulesData{ShowHealth: p.Can(auth.ViewAlerts)}
	if s.policies != nil {
		if v.Org != "" && v.Unit == "" {
			units, err := s.store.Units(r.Context(), sc)
			if err != nil {
				s.internalError(w, r, "read the organisation's sending units", err)
				return
			}
			for _, u := range units {
				v.OwnUnits = append(v.OwnUnits, u.Name)
			}
		}
		d.Known = true
		d.Fingerprint = s.policies.Fingerprint()
		for _, pol := range s.policies.InMatchOrder() {
			if !pol.Match.Admits(v.Org, v.Unit) {
				d.Hidden++
				continue
			}
			d.Policies = append(d.Policies, policyView{Name: pol.Name, File: filepath.Base(pol.File), Line: pol.Line,
				Priority: pol.Priority, Match: pol.MatchTerm(v), Terms: pol.Terms(v)})
		}
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
	s.audit(r.Context(), "view_list", "rules", "")
	s.render(w, r, http.StatusOK, "rules", "title.rules", d)
}
