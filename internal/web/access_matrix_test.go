package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// Access across sending organisations and roles: two sending organisations
// on one postvakt.
const (
	orgA = "964338531" // Bergen
	orgB = "974760673" // another sender
)

// seedTwoOrgs registers one letter of org A and one of org B, both to
// the receiving organisation 910859897 (one reminder lists both).
func (e *env) seedTwoOrgs() (a, b store.Shipment) {
	e.t.Helper()
	var items []model.NewShipment
	for i, org := range []string{orgA, orgB} {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: fmt.Sprintf("two-orgs-%d", i),
			SenderOrg: org, SenderUnit: "Skole", RecipientKind: "org", RecipientID: "910859897",
			Title: "Hemmelig vedtak " + org, Confidential: true, Class: "taushetsbelagt",
			SentAt: now.Add(-20 * 24 * time.Hour)})
	}
	got, _, err := e.st.Register(context.Background(), items, store.SourceAPI, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return got[0], got[1]
}

// A scoped compliance officer's audit log does not show what an unscoped
// admin did to another organisation's users and units (names, roles, e-mail
// addresses). The README: compliance sees "everything of their sender
// organisation"; each entry "carries whose data it concerns".
func TestAuditHidesOtherOrganisationsAdministration(t *testing.T) {
	e := newEnv(t)
	e.seedTwoOrgs()
	ctx := context.Background()
	if _, err := e.st.SaveUnits(ctx, []store.Unit{{SenderOrg: orgB, Name: "Skole", ContactEmail: "skole@b.example"}}); err != nil {
		t.Fatal(err)
	}
	us, err := e.st.Units(ctx, store.Scope{SenderOrg: orgB})
	if err != nil || len(us) == 0 {
		t.Fatal(us, err)
	}
	root := e.loggedIn("root", "admin", "", "")
	_, page := root.get("/admin/users")
	tok := csrf(page)
	if code, _, body := root.post("/admin/users", url.Values{"csrf": {tok}, "name": {"b-officer"}, "role": {"compliance"},
		"sender_org": {orgB}, "email": {"b.officer@b.example"}}); code != http.StatusCreated {
		t.Fatalf("create user: %d %.300s", code, body)
	}
	if code, _, body := root.post(fmt.Sprintf("/admin/units/%d", us[0].ID), url.Values{"csrf": {tok},
		"contact_email": {"b.unit@b.example"}, "manager_email": {"b.boss@b.example"}}); code != http.StatusSeeOther {
		t.Fatalf("set unit: %d %.300s", code, body)
	}
	code, body := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgA, ""))
	if code != http.StatusOK {
		t.Fatalf("audit: %d", code)
	}
	for _, leak := range []string{"b-officer", "b.officer@b.example", "b.unit@b.example", "b.boss@b.example"} {
		if strings.Contains(body, leak) {
			t.Errorf("org A's compliance officer reads %q (org B's administration) in the audit log", leak)
		}
	}
	a := e.loggedIn("a-officer", "compliance", orgA, "")
	if _, page := a.get("/audit"); strings.Contains(page, "b.officer@b.example") {
		t.Error("/audit of org A shows org B's new user's e-mail address")
	}
}

// Health alerts about org B's unit are not listed to org A's compliance
// officer and scoped admin. The README: compliance sees "everything of
// their sender organisation: … alerts".
func TestAlertsOfAnotherOrganisationAreNotListed(t *testing.T) {
	e := newEnv(t)
	e.seedTwoOrgs()
	sel := store.IncidentFilter{Scope: store.Scope{SenderOrg: orgB}, Channel: "svarut", Unit: "Skole",
		States: []model.State{model.StateRegistered, model.StateAccepted}, From: now.AddDate(0, 0, -60), To: now}
	if _, err := e.st.ApplyAlerts(context.Background(), store.AlertChanges{Now: now, Fire: []store.Alert{{Rule: "stuck",
		Labels: store.Labels{"channel": "svarut", "sender": orgB, "unit": "Skole-of-B"}, Severity: "critical",
		Affected: 1, Summary: "1 letters of Skole-of-B not delivered", Selector: sel}}}); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"compliance", "admin"} {
		code, body := e.get("/api/v1/alerts", e.token(role, orgA, ""))
		if code != http.StatusOK {
			t.Fatalf("%s: %d", role, code)
		}
		if strings.Contains(body, "Skole-of-B") || strings.Contains(body, orgB) {
			t.Errorf("GET /api/v1/alerts as org A's %s lists org B's alert: %.300s", role, body)
		}
	}
	b := e.loggedIn("a-officer", "compliance", orgA, "")
	if _, page := b.get("/alerts"); strings.Contains(page, "Skole-of-B") {
		t.Error("/alerts of org A's compliance officer shows org B's alert")
	}
}

// A scoped officer may not add a reminder address for a receiving
// organisation whose waiting reminder also lists another sending
// organisation's letters (the address would get org B's reminders too).
// The README: "A scoped officer may settle only what lists nothing but
// their organisation's letters".
func TestAddContactOnlyForOwnReminders(t *testing.T) {
	e := newEnv(t)
	a, b := e.seedTwoOrgs()
	res, err := e.st.ClaimNotification(context.Background(), store.Claim{Org: "910859897", Now: now,
		Items: []model.ReminderItem{{ShipmentID: a.ID, Reminder: 1}, {ShipmentID: b.ID, Reminder: 1}}})
	if err != nil || res.Notification == nil || res.Notification.Status != store.NotifyNoAddress {
		t.Fatalf("no-address reminder: %+v %v", res, err)
	}
	off := e.loggedIn("a-officer", "compliance", orgA, "")
	_, page := off.get("/reminders")
	code, _, body := off.post("/contacts", url.Values{"csrf": {csrf(page)}, "org": {"910859897"}, "email": {"attacker@evil.example"}})
	if code != http.StatusForbidden {
		t.Errorf("org A's officer set the reminder address of a reminder listing org B's letters: %d, want 403 %.200s", code, body)
	}
}

// The evidence JSON (title, unmasked person id, raw payloads) and the
// API's letters are answered with Cache-Control: no-store, like every HTML
// page and export.
func TestConfidentialJSONIsNotCached(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3)
	adm := e.loggedIn("adm", "admin", "", "")
	tok := e.token("admin", "", "")
	for _, tc := range []struct {
		path, bearer string
		b            *browser
	}{
		{"/shipments/" + got[2].ID + "/evidence.json", "", adm},
		{"/api/v1/shipments/" + got[2].ID, tok, nil},
		{"/api/v1/shipments", tok, nil},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+tc.path, nil)
		c := http.DefaultClient
		if tc.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+tc.bearer)
		} else {
			c = tc.b.c
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: %d Cache-Control %q, want 200 no-store", tc.path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}

// TestEveryRouteRefusesOtherRoles is the access matrix of README "Roles"
// and "API", route by route: every role outside a route gets 403.
func TestEveryRouteRefusesOtherRoles(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	id := got[0].ID
	roles := map[string][2]string{"admin": {"", ""}, "compliance": {orgA, ""}, "unit": {orgA, "Barnevernstjenesten"}, "operations": {"", ""}}
	sess := map[string]*browser{}
	csrfs := map[string]string{}
	toks := map[string]string{}
	for role, sc := range roles {
		b := e.loggedIn("u-"+role, role, sc[0], sc[1])
		_, page := b.get("/settings")
		sess[role], csrfs[role] = b, csrf(page)
		toks[role] = e.token(role, sc[0], sc[1])
	}
	const (
		A = "admin"
		C = "compliance"
		U = "unit"
		O = "operations"
	)
	for _, rt := range []struct {
		method, path string
		api          bool
		allowed      []string
	}{
		{"POST", "/api/v1/shipments", true, []string{A, C, U}},
		{"GET", "/api/v1/shipments", true, []string{A, C, U}},
		{"GET", "/api/v1/shipments/" + id, true, []string{A, C, U}},
		{"GET", "/api/v1/shipments/" + id + "/followup", true, []string{A, C, U}},
		{"POST", "/api/v1/shipments/" + id + "/followup", true, []string{A, C, U}},
		{"GET", "/api/v1/followups", true, []string{A, C, U}},
		{"GET", "/api/v1/audit", true, []string{A, C}},
		{"GET", "/api/v1/summary", true, []string{A, C, U}},
		{"GET", "/api/v1/alerts", true, []string{A, C, O}},
		{"GET", "/api/v1/incidents/report?from=2026-01-01&to=2026-12-31", true, []string{A, C, U}},
		{"GET", "/unopened", false, []string{A, C, U}},
		{"GET", "/units", false, []string{A, C, U}},
		{"GET", "/list", false, []string{A, C, U}},
		{"GET", "/search", false, []string{A, C, U}},
		{"POST", "/search", false, []string{A, C, U}},
		{"GET", "/export?format=csv", false, []string{A, C, U}},
		{"GET", "/shipments/" + id, false, []string{A, C, U}},
		{"GET", "/shipments/" + id + "/evidence.json", false, []string{A, C, U}},
		{"POST", "/shipments/" + id + "/followup", false, []string{A, C, U}},
		{"GET", "/followups", false, []string{A, C, U}},
		{"GET", "/followups/export?format=csv", false, []string{A, C, U}},
		{"GET", "/print", false, []string{A, C}},
		{"GET", "/print/1", false, []string{A, C}},
		{"POST", "/print/1/release", false, []string{A, C}},
		{"GET", "/manual", false, []string{A, C, U}},
		{"POST", "/manual/" + id + "/resolve", false, []string{A, C, U}},
		{"GET", "/refused", false, []string{A, C, U}},
		{"GET", "/reminders", false, []string{A, C}},
		{"POST", "/reminders/1/release", false, []string{A, C}},
		{"POST", "/contacts", false, []string{A, C}},
		{"GET", "/audit", false, []string{A, C}},
		{"POST", "/audit", false, []string{A, C}},
		{"GET", "/audit/export?format=csv", false, []string{A, C}},
		{"GET", "/ops", false, []string{A, O}},
		{"GET", "/rules", false, []string{A, C, U, O}},
		{"GET", "/alerts", false, []string{A, C, O}},
		{"GET", "/alerts/1", false, []string{A, C, O}},
		{"GET", "/incidents", false, []string{A, C, U}},
		{"GET", "/incidents/export?from=2026-01-01&to=2026-12-31", false, []string{A, C, U}},
		{"POST", "/incidents/followups", false, []string{A, C, U}},
		{"GET", "/admin/users", false, []string{A}},
		{"POST", "/admin/users", false, []string{A}},
		{"POST", "/admin/users/1/disable", false, []string{A}},
		{"GET", "/admin/tokens", false, []string{A}},
		{"POST", "/admin/tokens", false, []string{A}},
		{"POST", "/admin/tokens/1/revoke", false, []string{A}},
		{"GET", "/preview", false, []string{A, C, U}},
		{"GET", "/import", false, []string{A, C, U}},
		{"POST", "/import", false, []string{A, C, U}},
		{"GET", "/admin/units", false, []string{A}},
		{"POST", "/admin/units/import", false, []string{A}},
		{"POST", "/admin/units/1", false, []string{A}},
	} {
		for role := range roles {
			allowed := false
			for _, a := range rt.allowed {
				allowed = allowed || a == role
			}
			if allowed {
				continue // only refusals here: an allowed POST would change things
			}
			var code int
			if rt.api {
				req, _ := http.NewRequest(rt.method, e.srv.URL+rt.path, strings.NewReader("{}"))
				req.Header.Set("Authorization", "Bearer "+toks[role])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				code = resp.StatusCode
			} else if rt.method == "GET" {
				code, _ = sess[role].get(rt.path)
			} else {
				code, _, _ = sess[role].post(rt.path, url.Values{"csrf": {csrfs[role]}})
			}
			if code != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", rt.method, rt.path, role, code)
			}
		}
	}
}
