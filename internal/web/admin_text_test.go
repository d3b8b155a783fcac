package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminFormsRefuseNonText: a sender organisation or unit holding a NUL
// byte or bytes that are no UTF-8 (a pasted name, a crafted form) on the
// users' and tokens' forms went to the database, which refused it, and the
// page answered 500 "something went wrong" with nothing to correct; it is
// a 400 that says which field. The incidents' filter answers such a unit
// 400 too.
func TestAdminFormsRefuseNonText(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("root", "admin", "", "")
	_, page := b.get("/admin/users")
	tok := csrf(page)
	for _, bad := range []string{"Barne\x00vern", "Barne\xffvern"} {
		for _, path := range []string{"/admin/users", "/admin/tokens"} {
			form := url.Values{"csrf": {tok}, "name": {"kari"}, "role": {"unit"}, "sender_org": {"964338531"}, "unit": {bad}}
			if code, body := b.doIn("en", "POST", path, form); code != http.StatusBadRequest || !strings.Contains(body, "Sending unit: Give the unit") {
				t.Errorf("POST %s unit %q: %d, want 400 naming the unit\n%.500s", path, bad, code, body)
			}
		}
		q := url.Values{"unit": {bad}}
		if code, body := b.get("/incidents?" + q.Encode()); code != http.StatusBadRequest {
			t.Errorf("GET /incidents unit %q: %d, want 400\n%.500s", bad, code, body)
		}
	}
}

// TestAdminFormsRefuseNationalIDUnit: the users' and tokens' forms took a
// national id as the unit a user or token is limited to, which `user add`
// and `token create` refuse (unit names are shown in lists and exports):
// the users page then showed a person's fødselsnummer in clear to every
// administrator. It is a 400 that says so on the unit, and nothing is
// made.
func TestAdminFormsRefuseNationalIDUnit(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("root", "admin", "", "")
	_, page := b.get("/admin/users")
	tok := csrf(page)
	for _, path := range []string{"/admin/users", "/admin/tokens"} {
		form := url.Values{"csrf": {tok}, "name": {"kari"}, "role": {"unit"}, "sender_org": {"964338531"}, "unit": {"NAV 01017012343"}}
		if code, body := b.doIn("en", "POST", path, form); code != http.StatusBadRequest || !strings.Contains(body, "Sending unit: Give the unit") ||
			!strings.Contains(body, "national id") {
			t.Errorf("POST %s with a national id as the unit: %d, want 400 saying so on the unit\n%.500s", path, code, body)
		}
	}
	var n int
	if err := e.st.DB().Get(&n, `SELECT (SELECT count(*) FROM users WHERE name = 'kari') + (SELECT count(*) FROM api_tokens WHERE name = 'kari')`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d users or tokens made with a national id as their unit; want none", n)
	}
}
