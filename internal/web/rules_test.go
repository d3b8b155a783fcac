package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/web"
)

// rulesPolicies writes and loads a policy folder: a catch-all whose first
// reminder comes after first business days, a policy for org B's letters
// (priority 1) and one for the unit NAV of any organisation; senders.yaml
// gives org A a contact and keeps org B out of the reminders' subject.
func rulesPolicies(t *testing.T, first int) *policy.Set {
	t.Helper()
	files := map[string]string{
		"default.yaml": fmt.Sprintf(`name: default
calendar: NO
reminders: {first_after: %d, repeat_every: 3, max: 2}
print: {after: 15, requires_approval: true}
send_window: {from: "08:00", to: "16:00", business_days_only: true}
escalation: {to: [compliance, sjef@kommune.example]}
`, first),
		"org-b.yaml": `name: org-b
priority: 1
match: {sender_org: ["` + orgB + `"]}
calendar: NO
reminders: {max: 0}
print: {enabled: false}
`,
		"nav-a.yaml": `name: nav-a
match: {sender_unit: [NAV]}
calendar: DK
reminders: {first_after: 2, max: 1}
print: {after: 9}
`,
	}
	files[policy.SendersFile] = `senders:
  "` + orgA + `": {email: postmottak@bergen.example, phone: "+47 55 56 55 56"}
  "` + orgB + `": {name_in_subject: false}
`
	return policytest.Files(t, files)
}

// rulesHealth is the default health rules with stuck's count threshold
// set to n.
func rulesHealth(n int) *policy.Health {
	h := policy.DefaultHealth()
	h.Stuck.Count = n
	h.Stuck.To = []string{"vakt@drift.example", policy.ToUnitManager}
	return h
}

// GET /rules shows the policies serve runs with, in match order, with their
// own numbers (two sets that differ in a number show each its own), the
// fingerprint of the set and whether the last complete escalation run was
// under it, and the health rules with their thresholds, in every language.
func TestRulesPageShowsThePoliciesInForce(t *testing.T) {
	for _, first := range []int{4, 6} {
		set := rulesPolicies(t, first)
		e := newEnvWith(t, web.WithPolicies(set), web.WithHealthRules(rulesHealth(10+first)))
		adm := e.loggedIn("anna", "admin", "", "")
		code, page := adm.get("/rules")
		if code != http.StatusOK {
			t.Fatalf("GET /rules as admin: %d", code)
		}
		page = html.UnescapeString(page)
		for _, want := range []string{
			fmt.Sprintf("First reminder after %d business days unopened (Norway), then one every 3 business days, at most 2 in all.", first),
			"Print after 15 business days unopened (Norway)",
			"A compliance officer approves each print order before it goes.",
			"Reminders are sent between 08:00 and 16:00 on business days (Europe/Oslo)",
			"compliance officers, sjef@kommune.example",
			"One reminder, after 2 business days unopened (Denmark).",
			"Letters: sending unit NAV.",
			"No reminders.", "No print fallback.",
			`<code>` + set.Fingerprint() + `</code>`,
			`id="recorded">none yet`,
			fmt.Sprintf("%d or more", 10+first),
			"POSTVAKT_ALERT_EMAIL and the sending unit",
			"vakt@drift.example",
			"Reminders name its contact for questions: postmottak@bergen.example, +47 55 56 55 56.",
			"The reminder subject does not name it (name_in_subject: false)",
			"While channel_silent fires, the alerts of stuck, unit_delivery_drop, rejection_spike with the same channel are muted.",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("first_after %d: /rules lacks %q", first, want)
			}
		}
		// Match order: org-b (1 field, priority 1), nav-a (1 field), the
		// catch-all last.
		order := page[strings.Index(page, `id="policy-order"`):]
		a, b, c := strings.Index(order, `href="#policy-org-b"`), strings.Index(order, `href="#policy-nav-a"`), strings.Index(order, `href="#policy-default"`)
		if a < 0 || b < a || c < b {
			t.Errorf("first_after %d: the policies are not in match order (org-b %d, nav-a %d, default %d)", first, a, b, c)
		}
		for lang, want := range map[string]string{
			"nb": fmt.Sprintf("Første påminnelse etter %d virkedager uåpnet (Norge)", first),
			"da": fmt.Sprintf("Første påmindelse efter %d arbejdsdage uåbnet (Norge)", first),
		} {
			if _, page := adm.getIn(lang, "/rules"); !strings.Contains(page, want) {
				t.Errorf("/rules in %s lacks %q", lang, want)
			}
		}
	}
	set := rulesPolicies(t, 4)
	e := newEnvWith(t, web.WithPolicies(set))
	ctx := context.Background()
	adm := e.loggedIn("anna", "admin", "", "")
	if err := e.st.RecordEscalationFingerprint(ctx, set.Fingerprint(), now); err != nil {
		t.Fatal(err)
	}
	if _, page := adm.get("/rules"); !strings.Contains(page, `id="recorded">under these policies, `) {
		t.Errorf("/rules does not say the last run was under these policies: %.300s", page[strings.Index(page, `id="recorded"`):])
	}
	if err := e.st.RecordEscalationFingerprint(ctx, "older", now); err != nil {
		t.Fatal(err)
	}
	if _, page := adm.get("/rules"); !strings.Contains(page, "under other policies") || !strings.Contains(page, "<code>older</code>") {
		t.Error("/rules does not say the last run was under other policies")
	}
	// Without health rules the page says it does not know them.
	if _, page := adm.get("/rules"); !strings.Contains(page, `id="health-unknown"`) {
		t.Error("/rules without WithHealthRules does not say so")
	}
}

// Who sees what on GET /rules (README, Roles): every role reads the rules
// (no personal data) and has it in the menu; a scoped viewer sees the
// policies that can govern its letters (org A's compliance officer not org
// B's policy; a unit of org A not NAV's either), with the others counted,
// not naming one whose match names a unit that is not its organisation's
// (nav-a, NAV being no unit of org A here: "Shared policy 1"), and
// senders.yaml's settings of its own organisation only;
// escalation and alert e-mail addresses (a person's, maybe) are named to
// administrators and compliance officers who see every organisation,
// counted for the others (org A's compliance officer: the catch-all's and
// the health rule's are told of other organisations too); the health
// rules are shown to those who see the alerts they raise.
func TestRulesPageByRole(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(rulesPolicies(t, 4)), web.WithHealthRules(rulesHealth(10)))
	for _, tc := range []struct {
		role, org, unit string
		policies        []string // shown by name
		shared          string   // the section of a policy shown without its name
		senders         []string
		hidden          string
		addresses       bool
		counted         string // how a hidden address is counted
		health          bool
	}{
		{"admin", "", "", []string{"org-b", "nav-a", "default"}, "", []string{orgA, orgB}, "", true, "", true},
		{"compliance", "", "", []string{"org-b", "nav-a", "default"}, "", []string{orgA, orgB}, "", true, "", true},
		{"compliance", orgA, "", []string{"default"}, "policy-shared-1", []string{orgA}, "1 policy of other sending organisations or units is not shown.", false,
			"1 e-mail address (it is told of other organisations' letters or alerts too: shown only to those who see every organisation)", true},
		{"unit", orgA, "Barnevernstjenesten", []string{"default"}, "", []string{orgA}, "2 policies of other sending organisations or units are not shown.", false,
			"1 e-mail address (shown to administrators and compliance officers)", false},
		{"operations", "", "", []string{"org-b", "nav-a", "default"}, "", []string{orgA, orgB}, "", false,
			"1 e-mail address (shown to administrators and compliance officers)", true},
	} {
		who := strings.TrimSpace(tc.role + " " + tc.org)
		b := e.loggedIn("u-"+tc.role+tc.org, tc.role, tc.org, tc.unit)
		code, page := b.get("/rules")
		page = html.UnescapeString(page)
		if code != http.StatusOK {
			t.Errorf("%s: GET /rules %d, want 200", who, code)
			continue
		}
		if !strings.Contains(page, `<a href="/rules" class="on" aria-current="page">`) {
			t.Errorf("%s: the menu has no current link to /rules", who)
		}
		for _, name := range []string{"org-b", "nav-a", "default"} {
			shown := strings.Contains(page, `id="policy-`+name+`"`)
			want := false
			for _, p := range tc.policies {
				want = want || p == name
			}
			if shown != want {
				t.Errorf("%s: policy %s shown %v, want %v", who, name, shown, want)
			}
		}
		if shared := strings.Contains(page, `id="policy-shared-`); shared != (tc.shared != "") || tc.shared != "" && !strings.Contains(page, `id="`+tc.shared+`"`) {
			t.Errorf("%s: a shared policy's section shown %v, want %q", who, shared, tc.shared)
		}
		for _, org := range []string{orgA, orgB} {
			if shown := strings.Contains(page, `id="sender-`+org+`"`); shown != slices.Contains(tc.senders, org) {
				t.Errorf("%s: senders.yaml's %s shown %v", who, org, shown)
			}
		}
		if tc.hidden != "" && !strings.Contains(page, tc.hidden) {
			t.Errorf("%s: /rules lacks %q", who, tc.hidden)
		}
		if tc.hidden == "" && strings.Contains(page, `id="policies-hidden"`) {
			t.Errorf("%s: /rules says policies are hidden from an unscoped viewer", who)
		}
		for _, addr := range []string{"sjef@kommune.example", "vakt@drift.example"} {
			if strings.Contains(page, addr) != tc.addresses {
				t.Errorf("%s: address %s shown %v, want %v", who, addr, !tc.addresses, tc.addresses)
			}
		}
		if tc.counted != "" && !strings.Contains(page, tc.counted) {
			t.Errorf("%s: the hidden address is not counted as %q", who, tc.counted)
		}
		if got := strings.Contains(page, `id="health-rules"`); got != tc.health {
			t.Errorf("%s: health rules shown %v, want %v", who, got, tc.health)
		}
	}
}

// A letter's page names its policy as a link to the policy's section on
// GET /rules, and that section is there.
func TestLetterLinksToItsPolicy(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(rulesPolicies(t, 4)))
	got := e.seed(1) // org A, unit Barnevernstjenesten: the catch-all
	b := e.loggedIn("u-unit", "unit", "964338531", "Barnevernstjenesten")
	_, page := b.get("/shipments/" + got[0].ID)
	if !strings.Contains(page, `id="policy"><a href="/rules#policy-default">default</a>`) {
		t.Fatalf("the letter's page does not link its policy to /rules: %.400s", page[max(0, strings.Index(page, `id="policy"`)):])
	}
	if _, rules := b.get("/rules"); !strings.Contains(rules, `<section class="box" id="policy-default"`) {
		t.Error("/rules has no section policy-default for the link")
	}
}

// A policy whose match lists several sending organisations and units is
// shown to a scoped viewer it can govern naming only the viewer's own: a
// NAV user of org A reads "sending organisation <org A>" and "sending unit
// NAV", not org B's number nor the other unit's name (Krisesenteret); an
// unscoped admin reads them all.
func TestRulesPageNamesOnlyTheViewersOwn(t *testing.T) {
	set := policytest.Files(t, map[string]string{
		"default.yaml": "name: default\ncalendar: NO\nreminders: {max: 0}\nprint: {after: 15}\n",
		"shared.yaml": `name: shared
match: {sender_org: ["` + orgA + `", "` + orgB + `"], sender_unit: [NAV, Krisesenteret]}
calendar: NO
reminders: {max: 0}
print: {after: 10}
`,
	})
	e := newEnvWith(t, web.WithPolicies(set))
	_, page := e.loggedIn("u-nav", "unit", orgA, "NAV").get("/rules")
	page = html.UnescapeString(page)
	if !strings.Contains(page, "Letters: sending organisation "+orgA+", sending unit NAV.") {
		t.Errorf("the NAV user of org A does not read the shared policy's match as its own: %.600s", page[max(0, strings.Index(page, `id="policy-shared"`)):])
	}
	for _, other := range []string{orgB, "Krisesenteret"} {
		if strings.Contains(page, other) {
			t.Errorf("the NAV user of org A reads %q on /rules", other)
		}
	}
	_, page = e.loggedIn("root", "admin", "", "").get("/rules")
	if want := "Letters: sending organisation " + orgA + " / " + orgB + ", sending unit NAV / Krisesenteret."; !strings.Contains(html.UnescapeString(page), want) {
		t.Errorf("the unscoped admin does not read %q", want)
	}
}
