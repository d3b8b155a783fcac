package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAccessGrantAuditedForTheOrganisationItOpens: an unscoped admin
// gives an existing user (unscoped, or of org A) access to org B's letters.
// The entry is dated with the user's OLD organisation only (aboutOrg(u.SenderOrg)),
// so org B's compliance officer never learns from the audit log that someone
// was given access to B's data.
// TestAccessGrantAuditedForTheOrganisationItOpens: an unscoped admin gives
// access to org B's letters (a user moved there from unscoped operations,
// one moved from org A, a new unscoped compliance officer, who sees every
// organisation's): org B's compliance officer sees each in the audit log.
func TestAccessGrantAuditedForTheOrganisationItOpens(t *testing.T) {
	e := newEnv(t)
	e.seedTwoOrgs()
	ctx := context.Background()
	e.user("drifter", "operations", "", "")
	e.user("mover", "compliance", orgA, "")
	root := e.browser()
	root.login("root", e.user("root", "admin", "", ""))
	_, page := root.get("/admin/users")
	tok := csrf(page)
	for _, name := range []string{"drifter", "mover"} {
		u, err := e.st.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if code, _, body := root.post(fmt.Sprintf("/admin/users/%d/access", u.ID), url.Values{"csrf": {tok}, "role": {"compliance"},
			"sender_org": {orgB}}); code != http.StatusSeeOther && code != http.StatusOK {
			t.Fatalf("re-scope %s: %d %.300s", name, code, body)
		}
	}
	if code, _, body := root.post("/admin/users", url.Values{"csrf": {tok}, "name": {"global"}, "role": {"compliance"},
		"sender_org": {""}}); code != http.StatusCreated {
		t.Fatalf("create user: %d %.300s", code, body)
	}
	code, body := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgB, ""))
	if code != http.StatusOK {
		t.Fatalf("audit: %d", code)
	}
	for _, name := range []string{"drifter", "mover", "global"} {
		if !strings.Contains(body, "user:"+name) {
			t.Errorf("org B's compliance officer does not see that %s was given access to org B's letters", name)
		}
	}
}
