package web_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestLoginSessionAndCSRF(t *testing.T) {
	e := newEnv(t)
	pw := e.user("kari", "compliance", "964338531", "")
	b := e.browser()
	if code, _ := b.get("/unopened"); code != http.StatusSeeOther {
		t.Fatalf("unopened without login: %d, want redirect to login", code)
	}
	for _, tc := range []struct {
		name       string
		form       url.Values
		wantStatus int
	}{
		{"no login token", url.Values{"name": {"kari"}, "password": {pw}}, http.StatusForbidden},
		{"wrong password", url.Values{"name": {"kari"}, "password": {"wrong wrong wrong"}, "login_csrf": {""}}, http.StatusUnauthorized},
		{"unknown user", url.Values{"name": {"nobody"}, "password": {pw}, "login_csrf": {""}}, http.StatusUnauthorized},
	} {
		_, page := b.get("/login")
		if tc.form.Has("login_csrf") {
			tc.form.Set("login_csrf", csrf(page))
		}
		if code, _, _ := b.post("/login", tc.form); code != tc.wantStatus {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.wantStatus)
		}
	}
	if !e.audited("user:kari", "login_failed", "") {
		t.Error("failed login not audited")
	}
	b.login("kari", pw)
	u, _ := url.Parse(e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "pv_session" && c.Value == "" {
			t.Fatal("empty session cookie")
		}
	}
	code, page := b.get("/unopened")
	if code != http.StatusOK || !strings.Contains(page, "Unopened by receiving organisation") {
		t.Fatalf("unopened after login: %d\n%s", code, e.log.String())
	}
	if code, _, _ := b.post("/logout", url.Values{}); code != http.StatusForbidden {
		t.Fatalf("logout without CSRF token: %d, want 403", code)
	}
	if code, loc, _ := b.post("/logout", url.Values{"csrf": {csrf(page)}}); code != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("logout: %d %s", code, loc)
	}
	if code, _ := b.get("/unopened"); code != http.StatusSeeOther {
		t.Fatalf("after logout: %d, want redirect", code)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	e := newEnv(t)
	pw := e.user("kari", "admin", "", "")
	b := e.browser()
	_, page := b.get("/login")
	resp, _ := b.request("POST", "/login", url.Values{"name": {"kari"}, "password": {pw}, "login_csrf": {csrf(page)}}, nil)
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name == "pv_session" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie flags: %+v", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
}

func TestScopeAndRoles(t *testing.T) {
	e := newEnv(t)
	got := e.seed(6)
	nav := e.loggedIn("ola", "unit", "964338531", "NAV")
	ops := e.loggedIn("ops", "operations", "", "")
	other := e.loggedIn("eva", "compliance", "974760673", "")
	for _, tc := range []struct {
		name string
		b    *browser
		path string
		want int
	}{
		{"unit sees own shipment", nav, "/shipments/" + got[1].ID, http.StatusOK},
		// Another unit's or organisation's letter is not there for them
		// (404 as an id that names nothing, not 403: that would tell it
		// exists); the attempt is audited as a refusal.
		{"unit cannot see another unit's shipment", nav, "/shipments/" + got[0].ID, http.StatusNotFound},
		{"unit cannot see its evidence JSON", nav, "/shipments/" + got[0].ID + "/evidence.json", http.StatusNotFound},
		{"unit may not read the audit log", nav, "/audit", http.StatusForbidden},
		{"unit may not approve print", nav, "/print", http.StatusForbidden},
		{"other org's officer", other, "/shipments/" + got[1].ID, http.StatusNotFound},
		{"operations sees no lists", ops, "/unopened", http.StatusForbidden},
		{"operations sees no shipment", ops, "/shipments/" + got[1].ID, http.StatusForbidden},
		{"operations sees the ops page", ops, "/ops", http.StatusOK},
		{"no such shipment", nav, "/shipments/0190a000-0000-7000-8000-000000000000", http.StatusNotFound},
	} {
		if code, _ := tc.b.get(tc.path); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}
	if !e.audited("user:ola", "forbidden", "/shipments/"+got[0].ID) || !e.audited("user:ops", "forbidden", "/unopened") {
		t.Error("refusals not audited")
	}
	if !e.audited("user:ola", "view_shipment", got[1].ID) {
		t.Error("shipment view not audited")
	}
	if !strings.Contains(e.log.String(), "forbidden") {
		t.Error("refusal not logged")
	}
	// The unit's list holds only its own shipments.
	_, page := nav.get("/list?list=unopened")
	if strings.Contains(page, got[0].ID) || !strings.Contains(page, got[1].ID) {
		t.Error("unit list shows another unit's shipment or misses its own")
	}
	// A person id is never shown unmasked in a list.
	adm := e.loggedIn("adm", "admin", "", "")
	_, page = adm.get("/list?list=unopened")
	if strings.Contains(page, "01017012343") || !strings.Contains(page, "010170*****") {
		t.Error("person id not masked in the list")
	}
	if code, page := adm.get("/shipments/" + got[2].ID); code != 200 || !strings.Contains(page, "01017012343") {
		t.Error("evidence page lacks the full recipient id")
	}
	if strings.Contains(e.log.String(), "01017012343") || strings.Contains(e.log.String(), "Vedtak om tiltak") {
		t.Error("a person id or a title reached the log")
	}
}

func TestExportsAgree(t *testing.T) {
	e := newEnv(t)
	e.seed(30)
	tok := e.token("compliance", "964338531", "")
	get := func(q string) []byte {
		req, _ := http.NewRequest("GET", e.srv.URL+"/export?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export %s: %d %s", q, resp.StatusCode, b)
		}
		return b
	}
	for _, q := range []string{"list=unopened", "list=unopened&unit=NAV", "list=unopened&min_age=30", "list=search&recipient=974760673"} {
		rows, err := csv.NewReader(bytes.NewReader(get(q + "&format=csv"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(get(q + "&format=xlsx")))
		if err != nil {
			t.Fatalf("%s: XLSX does not open: %v", q, err)
		}
		x, _ := f.GetRows(f.GetSheetName(0))
		f.Close()
		// The same letters in the same order (the XLSX tells them for people:
		// TestExportXLSXForPeople).
		if len(rows) < 2 || len(x) != len(rows) {
			t.Errorf("%s: XLSX has %d rows, CSV %d", q, len(x), len(rows))
			continue
		}
		for i := 1; i < len(rows); i++ {
			if len(x[i]) == 0 || x[i][0] != rows[i][0] {
				t.Errorf("%s: row %d is %v in the XLSX, %s in the CSV", q, i, x[i], rows[i][0])
				break
			}
		}
	}
	if !e.audited("token:compliance-test", "export", "unit=NAV") {
		t.Error("export not audited")
	}
}

func TestAuditAPI(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	comp := e.token("compliance", "964338531", "")
	if code, _ := e.do("GET", "/api/v1/shipments/"+got[0].ID, comp, ""); code != 200 {
		t.Fatal(code)
	}
	code, out := e.do("GET", "/api/v1/audit?limit=5", comp, "")
	if code != 200 {
		t.Fatal(code, out)
	}
	entries := out["entries"].([]any)
	first := entries[0].(map[string]any)
	if first["actor"] != "token:compliance-test" || first["action"] != "view_shipment" || !strings.Contains(first["object"].(string), got[0].ID) || first["at"] == "" {
		t.Fatalf("newest entry = %v", first)
	}
	for _, tc := range []struct{ role, org, unit, q string }{
		{"unit", "964338531", "NAV", "limit=5"},
		{"operations", "", "", "limit=5"},
	} {
		if code, _ := e.do("GET", "/api/v1/audit?"+tc.q, e.token(tc.role, tc.org, tc.unit), ""); code != http.StatusForbidden {
			t.Errorf("%s reads the audit log: %d", tc.role, code)
		}
	}
	if code, _ := e.do("GET", "/api/v1/audit?limit=0", comp, ""); code != http.StatusBadRequest {
		t.Errorf("limit=0: %d", code)
	}
}

func TestFollowUpResend(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	b := e.loggedIn("ola", "unit", "964338531", "NAV")
	_, page := b.get("/shipments/" + got[1].ID)
	token := csrf(page)
	for _, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"no CSRF", url.Values{"decision": {"closed"}}, http.StatusForbidden},
		{"no decision", url.Values{"csrf": {token}}, http.StatusBadRequest},
		{"assessed without note", url.Values{"csrf": {token}, "decision": {"consequences_assessed"}}, http.StatusBadRequest},
		{"resend without id", url.Values{"csrf": {token}, "decision": {"resent"}, "new_channel": {"altinn"}}, http.StatusBadRequest},
		{"resend", url.Values{"csrf": {token}, "decision": {"resent"}, "new_channel": {"altinn"}, "new_channel_id": {"7e000000-0000-4000-8000-000000000001"}}, http.StatusSeeOther},
	} {
		if code, _, body := b.post("/shipments/"+got[1].ID+"/followup", tc.form); code != tc.want {
			t.Errorf("%s: %d, want %d: %.200s", tc.name, code, tc.want, body)
		}
	}
	// Another unit's letter is not there for them: 404, as no such letter.
	if code, _, _ := b.post("/shipments/"+got[0].ID+"/followup", url.Values{"csrf": {token}, "decision": {"closed"}}); code != http.StatusNotFound {
		t.Errorf("follow-up on another unit's shipment: %d, want 404", code)
	}
	_, page = b.get("/shipments/" + got[1].ID)
	if !strings.Contains(page, "resent by user:ola") {
		t.Fatal("decision not shown on the evidence page")
	}
	admin := e.token("admin", "", "")
	code, out := e.do("GET", "/api/v1/shipments?channel=altinn", admin, "")
	list := out["shipments"].([]any)
	if code != 200 || len(list) != 1 || list[0].(map[string]any)["channel_id"] != "7e000000-0000-4000-8000-000000000001" {
		t.Fatalf("resent shipment not registered: %v", out)
	}
	if !e.audited("user:ola", "followup", got[1].ID) {
		t.Error("follow-up not audited")
	}
}
