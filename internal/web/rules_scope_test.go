package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"postvakt/internal/escalate"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/web"
)

// scopePolicies is a policy folder of a shared installation: a catch-all
// telling sjef@kommune.example, org A's own policy (priority 1) telling
// vakt@bergen.example, and a policy for the units Barnevernstjenesten and
// Familievernet of any organisation. The store has Barnevernstjenesten in
// org A and Familievernet in org B only.
func scopePolicies(t *testing.T) *env {
	t.Helper()
	set := policytest.Files(t, map[string]string{
		"default.yaml": "name: default\ncalendar: NO\nreminders: {max: 0}\nprint: {after: 15}\nescalation: {to: [sjef@kommune.example]}\n",
		"org-a.yaml": `name: org-a
priority: 1
match: {sender_org: ["` + orgA + `"]}
calendar: NO
reminders: {max: 0}
print: {after: 10}
escalation: {to: [compliance, vakt@bergen.example]}
`,
		"units.yaml": `name: units
match: {sender_unit: [Barnevernstjenesten, Familievernet]}
calendar: NO
reminders: {max: 0}
print: {after: 5}
`,
	})
	h := policy.DefaultHealth()
	h.Stuck.To = []string{"vakt@drift.example", policy.ToCompliance}
	e := newEnvWith(t, web.WithPolicies(set), web.WithHealthRules(h))
	if _, err := e.st.SaveUnits(context.Background(), []store.Unit{
		{SenderOrg: orgA, Name: "Barnevernstjenesten"}, {SenderOrg: orgB, Name: "Familievernet"},
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// A compliance officer of org A reads, of a policy's sending units, only
// the names of org A's own units (Barnevernstjenesten), with org B's
// counted ("and 1 unit of other organisations"), never Familievernet; an
// unscoped compliance officer reads both names.
func TestRulesPageUnitsOfItsOrganisation(t *testing.T) {
	e := scopePolicies(t)
	_, page := e.loggedIn("kari", "compliance", orgA, "").get("/rules")
	page = html.UnescapeString(page)
	if want := "Letters: sending unit Barnevernstjenesten (and 1 unit of other organisations)."; !strings.Contains(page, want) {
		t.Errorf("org A's compliance officer does not read %q: %.400s", want, page[max(0, strings.Index(page, `id="policy-units"`)):])
	}
	if strings.Contains(page, "Familievernet") {
		t.Error("org A's compliance officer reads org B's unit name Familievernet on /rules")
	}
	_, page = e.loggedIn("root", "compliance", "", "").get("/rules")
	if want := "Letters: sending unit Barnevernstjenesten / Familievernet."; !strings.Contains(html.UnescapeString(page), want) {
		t.Errorf("the unscoped compliance officer does not read %q", want)
	}
}

// A compliance officer of org A reads the e-mail addresses of org A's own
// policy (vakt@bergen.example), and only counts those told of other
// organisations' letters or alerts too: the catch-all's
// (sjef@kommune.example) and the health rule's to: (vakt@drift.example,
// told of every organisation's alerts). An unscoped compliance officer
// reads all three.
func TestRulesPageAddressesOfItsOrganisation(t *testing.T) {
	e := scopePolicies(t)
	_, page := e.loggedIn("kari", "compliance", orgA, "").get("/rules")
	page = html.UnescapeString(page)
	if !strings.Contains(page, "vakt@bergen.example") {
		t.Error("org A's compliance officer does not read org A's own policy's address")
	}
	for _, addr := range []string{"sjef@kommune.example", "vakt@drift.example"} {
		if strings.Contains(page, addr) {
			t.Errorf("org A's compliance officer reads %s, told of other organisations too", addr)
		}
	}
	if want := "1 e-mail address (it is told of other organisations' letters or alerts too"; strings.Count(page, want) != 2 {
		t.Errorf("/rules counts the hidden addresses %d times as %q, want 2 (catch-all, stuck)", strings.Count(page, want), want)
	}
	_, page = e.loggedIn("root", "compliance", "", "").get("/rules")
	for _, addr := range []string{"vakt@bergen.example", "sjef@kommune.example", "vakt@drift.example"} {
		if !strings.Contains(page, addr) {
			t.Errorf("the unscoped compliance officer does not read %s", addr)
		}
	}
}

// A view of /rules is in the audit log (action view_list, object rules),
// as the units page and the escalation preview are, with nothing of the
// page in it: no address, no unit name.
func TestRulesPageViewAudited(t *testing.T) {
	e := scopePolicies(t)
	e.loggedIn("kari", "compliance", orgA, "").get("/rules")
	log, err := e.st.AuditLog(context.Background(), store.AuditFilter{Actor: "user:kari", Action: "view_list"})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Entries) != 1 || log.Entries[0].Object != "rules" || log.Entries[0].Detail != "" || log.Entries[0].SenderOrg != orgA {
		t.Fatalf("audit entries of kari's view of /rules: %+v, want one view_list of rules without detail", log.Entries)
	}
}

// A policy's name, file and line are shown to a scoped viewer only where
// its match names nothing of another organisation (policy.NameShown): an
// administrator may name a policy for another organisation's units
// ("Helse Bergen familievern"). The folder: org A's own policy (org A
// alone, though its unit is not in the store), one for org A and B, one
// for org A's unit Barnevernstjenesten, one for Barnevernstjenesten and
// org B's Familievernet, and the catch-all. The others are "Shared policy
// N" (N its row), with their file not shown and a section of their own;
// an unscoped viewer reads every name.
func TestRulesPageSharedPolicyNames(t *testing.T) {
	e := sharedNamePolicies(t)
	all := []string{"org-a-own", "oslo-og-bergen", "a-barnevern", "helse-bergen-familievern", "default"}
	for _, tc := range []struct {
		who, role, org, unit string
		named                []string
		shared               []string // the sections of shared policies, in order
	}{
		{"unscoped compliance", "compliance", "", "", all, nil},
		{"org A's compliance", "compliance", orgA, "", []string{"org-a-own", "a-barnevern", "default"}, []string{"policy-shared-2", "policy-shared-4"}},
		{"org A's Barnevernstjenesten", "unit", orgA, "Barnevernstjenesten", []string{"a-barnevern", "default"}, []string{"policy-shared-1", "policy-shared-3"}},
		{"org B's Familievernet", "unit", orgB, "Familievernet", []string{"default"}, []string{"policy-shared-1", "policy-shared-2"}},
	} {
		_, page := e.loggedIn("u-"+tc.role+tc.org+tc.unit, tc.role, tc.org, tc.unit).get("/rules")
		page = html.UnescapeString(page)
		for _, name := range all {
			want := slices.Contains(tc.named, name)
			if got := strings.Contains(page, `id="policy-`+name+`"`); got != want {
				t.Errorf("%s: section of %s shown %v, want %v", tc.who, name, got, want)
			}
			if !want {
				for _, s := range []string{name, name + ".yaml"} {
					if strings.Contains(page, s) {
						t.Errorf("%s reads %q on /rules", tc.who, s)
					}
				}
			} else if !strings.Contains(page, name+".yaml:") {
				t.Errorf("%s does not read the file of %s", tc.who, name)
			}
		}
		for _, id := range tc.shared {
			n := strings.TrimPrefix(id, "policy-shared-")
			for _, want := range []string{`<a href="#` + id + `">Shared policy ` + n + `</a>`, `id="` + id + `-h">Shared policy ` + n + `</h3>`} {
				if !strings.Contains(page, want) {
					t.Errorf("%s: /rules lacks %q", tc.who, want)
				}
			}
		}
		if got, want := strings.Count(page, "Its name and file are shown only to those who see every sending organisation"), len(tc.shared); got != want {
			t.Errorf("%s: /rules says %d times that a name is not shown, want %d", tc.who, got, want)
		}
	}
	if _, page := e.loggedIn("u-nb", "compliance", orgA, "").getIn("nb", "/rules"); !strings.Contains(page, "Delt regelsett 2") || strings.Contains(page, "oslo-og-bergen") {
		t.Error("/rules in Norwegian does not call org A's compliance officer's second policy Delt regelsett 2")
	}
}

// sharedNamePolicies is TestRulesPageSharedPolicyNames's folder, the store
// knowing Barnevernstjenesten in org A and Familievernet in org B.
func sharedNamePolicies(t *testing.T, opts ...web.Option) *env {
	t.Helper()
	set := policytest.Files(t, map[string]string{
		"default.yaml":                  "name: default\ncalendar: NO\nreminders: {max: 0}\nprint: {after: 15}\n",
		"org-a-own.yaml":                "name: org-a-own\nmatch: {sender_org: [\"" + orgA + "\"], sender_unit: [Skolekontoret]}\ncalendar: NO\nreminders: {max: 0}\nprint: {after: 14}\n",
		"oslo-og-bergen.yaml":           "name: oslo-og-bergen\npriority: 3\nmatch: {sender_org: [\"" + orgA + "\", \"" + orgB + "\"]}\ncalendar: NO\nreminders: {max: 0}\nprint: {after: 13}\n",
		"a-barnevern.yaml":              "name: a-barnevern\npriority: 1\nmatch: {sender_unit: [Barnevernstjenesten]}\ncalendar: NO\nreminders: {max: 0}\nprint: {after: 12}\n",
		"helse-bergen-familievern.yaml": "name: helse-bergen-familievern\nmatch: {sender_unit: [Barnevernstjenesten, Familievernet]}\ncalendar: NO\nreminders: {max: 0}\nprint: {after: 11}\n",
	})
	e := newEnvWith(t, append(opts, web.WithPolicies(set))...)
	if _, err := e.st.SaveUnits(context.Background(), []store.Unit{
		{SenderOrg: orgA, Name: "Barnevernstjenesten"}, {SenderOrg: orgB, Name: "Familievernet"},
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestLetterSharedPolicyName: a letter's page, its evidence.json and GET
// /api/v1/shipments/{id} name the letter's policy as the viewer's /rules
// does (policy.NameShown), though it is the viewer's own letter. Org A's
// letter of Barnevernstjenesten is oslo-og-bergen's, whose match names
// org B too: to the unit it is "Shared policy 1" (its first row on the
// unit's /rules), to org A's compliance officer "Shared policy 2", linked
// to that section, and "policy":"" with its policy_shared in the JSON;
// neither reads "oslo-og-bergen" anywhere (before: the page linked the
// name to the shared section, the JSON named it). The unscoped officer
// reads the name.
func TestLetterSharedPolicyName(t *testing.T) {
	e := sharedNamePolicies(t)
	id := e.seed(1)[0].ID
	for _, tc := range []struct {
		who, role, org, unit string
		name                 string  // the JSON's policy
		shared               float64 // and policy_shared
		page                 string  // the page's
	}{
		{"org A's Barnevernstjenesten", "unit", orgA, "Barnevernstjenesten", "", 1, `<a href="/rules#policy-shared-1">Shared policy 1</a></dd>`},
		{"org A's compliance", "compliance", orgA, "", "", 2, `<a href="/rules#policy-shared-2">Shared policy 2</a></dd>`},
		{"unscoped compliance", "compliance", "", "", "oslo-og-bergen", 0, `<a href="/rules#policy-oslo-og-bergen">oslo-og-bergen</a></dd>`},
	} {
		b := e.loggedIn("u-"+tc.role+tc.org+tc.unit, tc.role, tc.org, tc.unit)
		code, page := b.get("/shipments/" + id)
		if code != http.StatusOK || !strings.Contains(page, `id="policy">`+tc.page) {
			t.Errorf("%s: the letter's page (%d) does not name its policy %q: %.200s", tc.who, code, tc.page, page[max(0, strings.Index(page, `id="policy"`)):])
		}
		_, doc := b.get("/shipments/" + id + "/evidence.json")
		var ev struct{ Outlook map[string]any }
		if err := json.Unmarshal([]byte(doc), &ev); err != nil {
			t.Fatalf("%s: evidence.json: %v", tc.who, err)
		}
		_, api := e.do("GET", "/api/v1/shipments/"+id, e.token(tc.role, tc.org, tc.unit), "")
		o, _ := api["outlook"].(map[string]any)
		for what, o := range map[string]map[string]any{"evidence.json": ev.Outlook, "the API": o} {
			if shared, _ := o["policy_shared"].(float64); o["policy"] != tc.name || shared != tc.shared {
				t.Errorf("%s: %s's outlook %v; want policy %q, policy_shared %v", tc.who, what, o, tc.name, tc.shared)
			}
		}
		if tc.name == "" {
			raw, _ := json.Marshal(api)
			for what, s := range map[string]string{"the page": page, "evidence.json": doc, "the API": string(raw)} {
				if strings.Contains(s, "oslo-og-bergen") {
					t.Errorf("%s reads the shared policy's name in %s", tc.who, what)
				}
			}
		}
	}
}

// TestBatchesAndPreviewSharedPolicyName: the print batches, a batch's page
// and the escalation preview name a policy as the viewer's /rules does
// (policyLabels, by policy.NameShown): org A's compliance officer reads
// oslo-og-bergen, whose match names org B too, as "Shared policy 2" (in
// nb "Delt regelsett 2"), never by its name (before: the three pages named
// it); the unscoped officer reads the name.
func TestBatchesAndPreviewSharedPolicyName(t *testing.T) {
	ctx := context.Background()
	e := sharedNamePolicies(t, web.WithPreview(previewer{[]escalate.StepCount{
		{Step: "reminder 1", Policy: "oslo-og-bergen", SenderOrg: orgA, SenderUnit: "Barnevernstjenesten", Shipments: 2},
	}}))
	id := e.seed(1)[0].ID
	db := e.st.DB()
	var batch int64
	if err := db.GetContext(ctx, &batch, `INSERT INTO print_batches (policy, created_at) VALUES ('oslo-og-bergen', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
		VALUES ($1, 'oslo-og-bergen', true, $2, 'held', $3, $4, $4)`, id, "k-"+id, batch, now)
	for _, tc := range []struct {
		who, org, lang, want string
	}{
		{"org A's compliance", orgA, "en", "Shared policy 2"},
		{"org A's compliance", orgA, "nb", "Delt regelsett 2"},
		{"unscoped compliance", "", "en", "oslo-og-bergen"},
	} {
		b := e.loggedIn("u-"+tc.org+tc.lang, "compliance", tc.org, "")
		for _, path := range []string{"/print", fmt.Sprintf("/print/%d", batch), "/preview"} {
			code, page := b.getIn(tc.lang, path)
			if code != http.StatusOK || !strings.Contains(page, tc.want) {
				t.Errorf("%s (%s) %s: %d, the page does not name the policy %q", tc.who, tc.lang, path, code, tc.want)
			}
			if tc.org != "" && strings.Contains(page, "oslo-og-bergen") {
				t.Errorf("%s (%s) reads the shared policy's name on %s", tc.who, tc.lang, path)
			}
		}
	}
}
