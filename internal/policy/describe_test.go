package policy_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/escalate"
	"postvakt/internal/i18n"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
)

// InMatchOrder lists the policies as Match weighs them: the most match
// fields first, then the higher priority, then the name; the catch-all
// last. Of the shipped ones: barnevern (3 fields), the two
// Danish ones (2 fields, priority 5), taushetsbelagt (2 fields), default.
func TestInMatchOrder(t *testing.T) {
	var names []string
	for _, p := range policytest.Shipped(t).InMatchOrder() {
		names = append(names, p.Name)
	}
	want := "barnevern dk-digital-post dk-digital-post-borger taushetsbelagt default"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("match order %q, want %q", got, want)
	}
}

// A policy's terms give its numbers in words, in every language, and hide
// its escalation.to e-mail addresses unless asked for them: barnevern's
// reminders after 1 business day then every 2, at most 2; print after 5,
// approved; its window 08:00-16:00 on business days; compliance and the
// unit's manager told. No text is missing from any catalogue.
func TestPolicyTerms(t *testing.T) {
	set := policytest.Shipped(t)
	p, _ := set.Get("barnevern")
	for _, lang := range i18n.Languages {
		l := i18n.For(lang, func(lang, id string) { t.Errorf("%s lacks %s", lang, id) })
		for _, q := range set.Policies() {
			l.Say(q.MatchTerm(policy.Viewer{}), "")
			for _, term := range q.Terms(policy.Viewer{}) {
				l.Say(term, "")
			}
		}
		h := policy.DefaultHealth()
		h.Stuck.To = []string{"ops@kommune.example", policy.ToCompliance}
		for _, r := range h.Terms(policy.Viewer{}) {
			l.Say(r.Watches, "")
			l.Say(r.Repeat, "")
			l.Say(r.Told, "")
		}
		for _, in := range h.InhibitTerms() {
			l.Say(in, "")
		}
	}
	en := i18n.For("en", nil)
	var text []string
	text = append(text, en.Say(p.MatchTerm(policy.Viewer{}), ""))
	for _, term := range p.Terms(policy.Viewer{}) {
		text = append(text, en.Say(term, ""))
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{
		"Letters: channel svarut / altinn, class barnevern, confidential.",
		"First reminder after 1 business day unopened (Norway), then one every 2 business days, at most 2 in all.",
		"between 08:00 and 16:00 on business days (Europe/Oslo)",
		"Print after 5 business days unopened (Norway), through the print provider",
		// Only a Norwegian organisation has an address in the register:
		// printing sends a person's and a Danish company's letter to
		// manual handling, and the page must not promise otherwise.
		"a person, a Danish company, or an organisation without a usable address goes to manual handling",
		"A compliance officer approves each print order before it goes.",
		"e-mail goes to: compliance officers, the sending unit's manager.",
		"kept 10 years",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("barnevern's terms lack %q:\n%s", want, all)
		}
	}
	q := *p
	q.Escalation.Emails = []string{"leder@kommune.example"}
	if s := en.Say(q.Terms(policy.Viewer{})[len(q.Terms(policy.Viewer{}))-2], ""); strings.Contains(s, "leder@") || !strings.Contains(s, "1 e-mail address (shown to") {
		t.Errorf("without addresses: %q, want the address counted, not named", s)
	}
	if s := en.Say(q.Terms(policy.Everyone)[len(q.Terms(policy.Everyone))-2], ""); !strings.Contains(s, "leder@kommune.example") {
		t.Errorf("with addresses: %q, want the address named", s)
	}
}

// The health rules' terms give their thresholds: stuck's percentile, its
// bounds and counts, as set.
func TestHealthTerms(t *testing.T) {
	h := policy.DefaultHealth()
	h.Stuck.Count = 17
	en := i18n.For("en", nil)
	got := h.Terms(policy.Viewer{})[1]
	if got.Name != policy.RuleStuck {
		t.Fatalf("second rule %q, want stuck", got.Name)
	}
	s := en.Say(got.Watches, "")
	for _, want := range []string{"99 % of the channel's letters of the last 14 days", "at least 1 hour, at most 1 day", "17 or more", "20 %", "last 3 hours", "for 7 hours"} {
		if !strings.Contains(s, want) {
			t.Errorf("stuck: %q lacks %q", s, want)
		}
	}
	if r := en.Say(got.Repeat, ""); r != "again after 4 hours; resolved once its condition has not held for 15 minutes" {
		t.Errorf("stuck repeats %q", r)
	}
	h.Stuck.KeepFiringFor = 0 // resolved at the first evaluation without its condition
	if r := en.Say(h.Terms(policy.Viewer{})[1].Repeat, ""); r != "again after 4 hours" {
		t.Errorf("stuck without keep_firing_for repeats %q", r)
	}
}

// The catch-up terms say what escalate.Decide does with a letter it first
// meets 60 days after it was sent, past its print window: under
// taushetsbelagt (the default catch_up) a catch-up reminder now, and the
// catch-up print 5 business days after it held for approval; under
// dk-digital-post-borger (no reminders) and under a policy with
// catch_up.reminders 0 print at once, an ordinary print without approval
// (print.requires_approval false), so no catch-up reminder and no catch-up
// approval is promised.
func TestCatchUpTermsAsDecided(t *testing.T) {
	set := policytest.Shipped(t)
	en := i18n.For("en", nil)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f := escalate.Facts{Since: now.AddDate(0, 0, -60)}
	tausht, _ := set.Get("taushetsbelagt")
	zero := *tausht
	zero.Name, zero.CatchUp.Reminders = "no-catch-up", 0
	borger, _ := set.Get("dk-digital-post-borger")
	for _, tc := range []struct {
		p        *policy.Policy
		catchUp  bool
		approval bool
		want     string
	}{
		{tausht, true, true, "gets 1 reminder first"},
		{borger, false, false, "goes to print at once"},
		{&zero, false, false, "goes to print at once"},
	} {
		d, err := escalate.Decide(f, tc.p, now)
		if err != nil {
			t.Fatal(err)
		}
		if d.CatchUp && d.Step.Kind == policy.StepRemind {
			// The catch-up print, the grace after the reminder went out.
			g := f
			g.CatchUpSince, g.RemindersSent, g.LastReminder = now, 1, d.SendAt
			if d, err = escalate.Decide(g, tc.p, d.SendAt.AddDate(0, 0, 14)); err != nil {
				t.Fatal(err)
			}
		}
		if d.Step.Kind != policy.StepPrint || d.CatchUp != tc.catchUp || d.NeedsApproval != tc.approval {
			t.Fatalf("%s: Decide %s, catch-up %v, approval %v (%s), want print, %v, %v", tc.p.Name, d.Step, d.CatchUp, d.NeedsApproval,
				d.Reason, tc.catchUp, tc.approval)
		}
		var text []string
		for _, term := range tc.p.Terms(policy.Viewer{}) {
			text = append(text, en.Say(term, ""))
		}
		all := strings.Join(text, "\n")
		if !strings.Contains(all, tc.want) {
			t.Errorf("%s: the terms lack %q:\n%s", tc.p.Name, tc.want, all)
		}
		if !tc.approval && strings.Contains(all, "approved by a compliance officer") {
			t.Errorf("%s: the terms promise an approval Decide does not hold for:\n%s", tc.p.Name, all)
		}
	}
}

// A share is a percentage without floating-point noise: 0.57 is "57 %",
// not "56.99999999999999 %"; 0.125 is "12.5 %".
func TestShareTerms(t *testing.T) {
	h := policy.DefaultHealth()
	h.Rejection.MinShare = 0.57
	h.Stuck.Share = 0.125
	en := i18n.For("en", nil)
	for _, r := range h.Terms(policy.Viewer{}) {
		s := en.Say(r.Watches, "")
		switch r.Name {
		case policy.RuleRejection:
			if !strings.Contains(s, "at least 57 % were rejected") {
				t.Errorf("rejection_spike: %q, want 57 %%", s)
			}
		case policy.RuleStuck:
			if !strings.Contains(s, "at least 12.5 % of the group") {
				t.Errorf("stuck: %q, want 12.5 %%", s)
			}
		}
	}
	// Norwegian and Danish write the decimal comma.
	for _, lang := range []string{"nb", "da"} {
		l := i18n.For(lang, nil)
		for _, r := range h.Terms(policy.Viewer{}) {
			if s := l.Say(r.Watches, ""); r.Name == policy.RuleStuck && (!strings.Contains(s, "12,5 %") || strings.Contains(s, "12.5")) {
				t.Errorf("%s stuck: %q, want 12,5 %%", lang, s)
			}
		}
	}
}

// What a viewer limited to organisation A reads (Viewer): of a match's
// units the names of A's own (OwnUnits), the others counted; the
// escalation addresses of a policy of A alone, not those of a policy of
// A and B nor of a catch-all, nor a health rule's (told of every
// organisation's alerts), which are counted. Without Org every name and
// address is read; without Addresses none is. In every language.
func TestViewerScope(t *testing.T) {
	base, _ := policytest.Shipped(t).Get("default")
	withMatch := func(orgs, units []string) *policy.Policy {
		q := *base
		q.Match = policy.Matcher{SenderOrg: orgs, SenderUnit: units}
		q.Escalation.Emails = []string{"vakt@a.example"}
		return &q
	}
	const a, b = "964338531", "974760673"
	scoped := policy.Viewer{Org: a, OwnUnits: []string{"NAV"}, Addresses: true}
	en := i18n.For("en", nil)
	told := func(p *policy.Policy, v policy.Viewer) string {
		terms := p.Terms(v)
		return en.Say(terms[len(terms)-2], "")
	}
	units := withMatch(nil, []string{"NAV", "Familievernet", "Krisesenteret"})
	for _, tc := range []struct {
		v    policy.Viewer
		p    *policy.Policy
		want string
	}{
		{scoped, units, "Letters: sending unit NAV (and 2 units of other organisations)."},
		{scoped, withMatch(nil, []string{"Familievernet"}), "Letters: 1 sending unit of other organisations."},
		{policy.Viewer{}, units, "Letters: sending unit NAV / Familievernet / Krisesenteret."},
	} {
		if got := en.Say(tc.p.MatchTerm(tc.v), ""); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v     policy.Viewer
		p     *policy.Policy
		named bool
	}{
		{scoped, withMatch([]string{a}, nil), true},
		{scoped, withMatch([]string{a, b}, nil), false},
		{scoped, units, false},
		{policy.Everyone, units, true},
		{policy.Viewer{}, withMatch([]string{a}, nil), false},
	} {
		if got := told(tc.p, tc.v); strings.Contains(got, "vakt@a.example") != tc.named {
			t.Errorf("%+v, match %s: %q, want the address named %v", tc.v, tc.p.Match, got, tc.named)
		}
	}
	if got := told(units, scoped); !strings.Contains(got, "1 e-mail address (it is told of other organisations' letters or alerts too") {
		t.Errorf("the units policy's address to org A's officer: %q, want it counted as told of other organisations", got)
	}
	h := policy.DefaultHealth()
	h.Stuck.To = []string{"drift@a.example"}
	for v, named := range map[*policy.Viewer]bool{&scoped: false, &policy.Everyone: true} {
		if got := en.Say(h.Terms(*v)[1].Told, ""); strings.Contains(got, "drift@a.example") != named {
			t.Errorf("%+v: stuck is told %q, want the address named %v", *v, got, named)
		}
	}
	for _, lang := range i18n.Languages {
		l := i18n.For(lang, func(lang, id string) { t.Errorf("%s lacks %s", lang, id) })
		l.Say(units.MatchTerm(scoped), "")
		l.Say(withMatch(nil, []string{"X"}).MatchTerm(scoped), "")
		for _, term := range units.Terms(scoped) {
			l.Say(term, "")
		}
		for _, r := range h.Terms(scoped) {
			l.Say(r.Told, "")
		}
	}
}

// Whose names a scoped viewer reads (NameShown): a policy whose match names
// nothing of another organisation (a catch-all, A's alone whatever its
// units, only A's own units); not one naming organisation B too, nor a
// unit that is not A's (Familievernet). A viewer limited to a unit of A
// reads the same, its own unit counting as A's. Everyone reads every
// name. The shared label is in every language.
func TestNameShown(t *testing.T) {
	base, _ := policytest.Shipped(t).Get("default")
	withMatch := func(orgs, units []string) *policy.Policy {
		q := *base
		q.Match = policy.Matcher{SenderOrg: orgs, SenderUnit: units}
		return &q
	}
	const a, b = "964338531", "974760673"
	org := policy.Viewer{Org: a, OwnUnits: []string{"NAV", "Barnevernstjenesten"}}
	unit := policy.Viewer{Org: a, Unit: "Skole"}
	for _, tc := range []struct {
		name string
		p    *policy.Policy
		want map[*policy.Viewer]bool
	}{
		{"catch-all", withMatch(nil, nil), map[*policy.Viewer]bool{&org: true, &unit: true, &policy.Everyone: true}},
		{"A alone", withMatch([]string{a}, []string{"Krisesenteret"}), map[*policy.Viewer]bool{&org: true, &unit: true, &policy.Everyone: true}},
		{"A and B", withMatch([]string{a, b}, nil), map[*policy.Viewer]bool{&org: false, &unit: false, &policy.Everyone: true}},
		{"A's units", withMatch(nil, []string{"NAV", "Barnevernstjenesten"}), map[*policy.Viewer]bool{&org: true, &unit: false, &policy.Everyone: true}},
		{"its own unit", withMatch(nil, []string{"Skole"}), map[*policy.Viewer]bool{&org: false, &unit: true, &policy.Everyone: true}},
		{"another's unit", withMatch(nil, []string{"NAV", "Familievernet"}), map[*policy.Viewer]bool{&org: false, &unit: false, &policy.Everyone: true}},
	} {
		for v, want := range tc.want {
			if got := tc.p.NameShown(*v); got != want {
				t.Errorf("%s to %+v: NameShown %v, want %v", tc.name, *v, got, want)
			}
		}
	}
	for _, lang := range i18n.Languages {
		l := i18n.For(lang, func(lang, id string) { t.Errorf("%s lacks %s", lang, id) })
		if got := l.Say(policy.SharedTerm(2), ""); !strings.Contains(got, "2") {
			t.Errorf("%s: SharedTerm(2) is %q", lang, got)
		}
	}
}

// An inhibit rule may compare every label a health alert carries
// (AlertLabels, print_provider_silent's provider among them): the Rules
// page names each in every language, none as a missing text's key.
func TestInhibitTermsNameEveryLabel(t *testing.T) {
	h := policy.DefaultHealth()
	h.Inhibit = []policy.Inhibit{{Source: policy.RulePrintSilent, Target: []string{policy.RuleStuck}, Equal: policy.AlertLabels}}
	for _, lang := range i18n.Languages {
		l := i18n.For(lang, func(lang, id string) { t.Errorf("%s lacks %s", lang, id) })
		for _, in := range h.InhibitTerms() {
			if s := l.Say(in, ""); strings.Contains(s, "⟦") {
				t.Errorf("%s: %s", lang, s)
			}
		}
	}
}
