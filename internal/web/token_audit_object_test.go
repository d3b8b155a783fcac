package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestTokenAuditObjectAsTheCLIWritesIt: the admin page audited a token it
// made or revoked as "token 12 sak", token create and token revoke as
// "token:sak", so the audit log (and its export) named one token two ways
// and a search for either missed the other's entries. Both write
// "token:<name>", as a user's entries are "user:<name>" and a token
// acting is "token:<name>"; the organisation is the entry's own.
func TestTokenAuditObjectAsTheCLIWritesIt(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("root", "admin", "", "")
	_, page := b.get("/admin/tokens")
	tok := csrf(page)
	form := url.Values{"csrf": {tok}, "name": {"sak"}, "role": {"compliance"}, "sender_org": {"964338531"}}
	if code, body := b.doIn("en", "POST", "/admin/tokens", form); code != http.StatusCreated {
		t.Fatalf("POST /admin/tokens: %d\n%.300s", code, body)
	}
	var id int64
	if err := e.st.DB().Get(&id, `SELECT id FROM api_tokens WHERE name = 'sak'`); err != nil {
		t.Fatal(err)
	}
	if code, body := b.doIn("en", "POST", fmt.Sprintf("/admin/tokens/%d/revoke", id), url.Values{"csrf": {tok}}); code >= 400 {
		t.Fatalf("revoke: %d\n%.300s", code, body)
	}
	entries, err := e.st.AuditEntries(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range entries {
		if a.Action == "token_create" || a.Action == "token_revoke" {
			seen[string(a.Action)] = true
			if a.Object != "token:sak" {
				t.Errorf("%s from the page audited as %q, want %q (as token create and token revoke write it)", a.Action, a.Object, "token:sak")
			}
		}
	}
	if !seen["token_create"] || !seen["token_revoke"] {
		t.Errorf("audited %v, want token_create and token_revoke", seen)
	}
}
