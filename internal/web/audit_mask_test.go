package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNationalIDsTypedIntoOtherFieldsAreMasked: a national id typed where
// something else belongs (a unit or class filter of the API or the
// lists, the login form's name, out of ID-porten habit) is in the audit
// log and the server log only masked, as the recipient filter's is: the
// audit object "never holds a person id unmasked", and logs carry national
// ids masked only.
func TestNationalIDsTypedIntoOtherFieldsAreMasked(t *testing.T) {
	const (
		fnr = "01017012343" // Norwegian national id
		cpr = "0101701234"  // Danish CPR number
	)
	e := newEnv(t)
	e.seed(3)
	tok := e.token("compliance", "964338531", "")
	for _, path := range []string{"/api/v1/shipments?sender_unit=" + fnr + "&class=" + cpr,
		"/api/v1/shipments?sender_unit=" + cpr} {
		if code, body := e.get(path, tok); code != http.StatusOK {
			t.Fatalf("GET %s: %d %.200s", path, code, body)
		}
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	if code, _ := b.get("/list?list=unopened&unit=" + fnr); code != http.StatusOK {
		t.Fatalf("list by unit: %d", code)
	}
	anon := e.browser()
	_, page := anon.get("/login")
	if code, _, _ := anon.post("/login", url.Values{"name": {fnr}, "password": {"x"}, "login_csrf": {csrf(page)}}); code != http.StatusUnauthorized {
		t.Fatalf("login with a national id as the name: %d, want 401", code)
	}

	entries, err := e.st.AuditEntries(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var api, list, login bool
	for _, a := range entries {
		for _, v := range []string{a.Actor, a.Object, a.Detail} {
			if strings.Contains(v, fnr) || strings.Contains(v, cpr) {
				t.Errorf("audit entry %s %q %q %q holds a national id unmasked", a.Action, a.Actor, a.Object, a.Detail)
			}
		}
		api = api || strings.Contains(a.Object, "unit=010170***** class=010170****")
		list = list || a.Action == "view_list" && strings.Contains(a.Object, "unit=010170*****")
		// No user's name (the admin pages refuse a national id): written
		// as its first character and length (TestFailedLoginUnknownNameNotKept).
		login = login || a.Action == "login_failed" && a.Actor == "user:0…(11)"
	}
	if !api || !list || !login {
		t.Errorf("audited masked: API filter %v, list filter %v, failed login %v; entries %+v", api, list, login, entries)
	}
	logged := e.log.String()
	if strings.Contains(logged, fnr) || strings.Contains(logged, cpr) {
		t.Errorf("the server log holds a national id unmasked:\n%s", logged)
	}
	if !strings.Contains(logged, "user=0…(11)") {
		t.Errorf("the failed login is not logged with the masked name:\n%s", logged)
	}
}
