package web_test

import (
	"net/http"
	"testing"
)

// TestAdminPagesViewAudited: the users page lists staff by name with their
// e-mail addresses and the tokens page who may call the API; viewing them
// wrote no audit entry while every other list's view does (README: every
// view of a list that shows personal data is recorded). Each view is a
// view_list entry naming the page.
func TestAdminPagesViewAudited(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("root", "admin", "", "")
	for path, obj := range map[string]string{"/admin/users": "users", "/admin/tokens": "api_tokens"} {
		if code, body := b.get(path); code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%.300s", path, code, body)
		}
		if !e.audited("user:root", "view_list", obj) {
			t.Errorf("GET %s: no view_list %s entry in the audit log", path, obj)
		}
	}
}
