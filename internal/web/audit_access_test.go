package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// rescope has root, an unscoped admin's browser with its CSRF token tok,
// give user name role and organisation org.
func (e *env) rescope(root *browser, tok, name, role, org string) {
	e.t.Helper()
	u, err := e.st.UserByName(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	if code, _, body := root.post(fmt.Sprintf("/admin/users/%d/access", u.ID), url.Values{"csrf": {tok}, "role": {role},
		"sender_org": {org}}); code != http.StatusSeeOther && code != http.StatusOK {
		e.t.Fatalf("give %s %s of %q: %d %.300s", name, role, org, code, body)
	}
}

// auditOf is the audit log as org's compliance officer reads it.
func (e *env) auditOf(org string) string {
	e.t.Helper()
	code, body := e.get("/api/v1/audit?limit=1000", e.token("compliance", org, ""))
	if code != http.StatusOK {
		e.t.Fatalf("audit: %d", code)
	}
	return body
}

// TestAccessGrantAuditedForTheOrganisationItOpens: an unscoped admin gives
// access to org B's letters (a user moved there from unscoped operations,
// one moved from org A, a new unscoped compliance officer, who sees every
// organisation's): org B's compliance officer sees each in the audit log.
func TestAccessGrantAuditedForTheOrganisationItOpens(t *testing.T) {
	e := newEnv(t)
	e.seedTwoOrgs()
	e.user("drifter", "operations", "", "")
	e.user("mover", "compliance", orgA, "")
	root := e.loggedIn("root", "admin", "", "")
	_, page := root.get("/admin/users")
	tok := csrf(page)
	e.rescope(root, tok, "drifter", "compliance", orgB)
	e.rescope(root, tok, "mover", "compliance", orgB)
	if code, _, body := root.post("/admin/users", url.Values{"csrf": {tok}, "name": {"global"}, "role": {"compliance"},
		"sender_org": {""}}); code != http.StatusCreated {
		t.Fatalf("create user: %d %.300s", code, body)
	}
	body := e.auditOf(orgB)
	for _, name := range []string{"drifter", "mover", "global"} {
		if !strings.Contains(body, "user:"+name) {
			t.Errorf("org B's compliance officer does not see that %s was given access to org B's letters", name)
		}
	}
}

// TestAccessRevocationAudited: taking an unscoped officer's access to
// every organisation's letters away again (unscoped compliance ->
// unscoped operations) is in org B's audit log as its grant is, though the
// organisation stays the same (none).
func TestAccessRevocationAudited(t *testing.T) {
	e := newEnv(t)
	e.seedTwoOrgs()
	e.user("global", "compliance", "", "")
	root := e.loggedIn("root", "admin", "", "")
	_, page := root.get("/admin/users")
	e.rescope(root, csrf(page), "global", "operations", "")
	if !strings.Contains(e.auditOf(orgB), "user:global") {
		t.Errorf("org B's officer does not see that an unscoped officer's access to its letters was taken away")
	}
}
