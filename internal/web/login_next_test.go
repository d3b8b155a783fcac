package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// An export whose session ended is not downloaded unfiltered after the
// login: the login redirect keeps the path only (no filter in a login
// URL), and leading back to /export without its query downloaded every
// letter in the officer's scope (audited as such) instead of the list
// asked for. The login leads back to the export's page instead, where
// the filter is chosen again.
func TestLoginAfterAnExportLeadsToItsPage(t *testing.T) {
	e := newEnv(t)
	e.seed(4)
	pw := e.user("kari", "admin", "", "")
	for _, tc := range []struct{ export, page string }{
		{"/export?list=unopened&unit=NAV&format=csv", "/list"},
		{"/followups/export?format=csv", "/followups"},
		{"/audit/export?actor=user:kari&format=csv", "/audit"},
		{"/incidents/export?from=2026-11-01&to=2026-11-20&format=csv", "/incidents"},
		{"/shipments/0b3a2f44-5d0e-4c47-9a51-1f0e6c1d8a11/evidence.json", "/shipments/0b3a2f44-5d0e-4c47-9a51-1f0e6c1d8a11/evidence.json"},
		{"/list?list=unopened&unit=NAV", "/list"},
	} {
		b := e.browser()
		resp, _ := b.request("GET", tc.export, nil, nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(tc.page) {
			t.Errorf("GET %s without a session: %d %q, want the login leading to %s", tc.export, resp.StatusCode, loc, tc.page)
			continue
		}
		_, page := b.get(loc)
		code, to, _ := b.post("/login", url.Values{"name": {"kari"}, "password": {pw}, "login_csrf": {csrf(page)},
			"next": {tc.page}})
		if code != http.StatusSeeOther || to != tc.page {
			t.Errorf("login from %s: %d to %q, want %s", tc.export, code, to, tc.page)
		}
	}
}
