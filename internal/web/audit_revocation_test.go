package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAccessRevocationAudited: the grant of every organisation's letters
// (unscoped operations -> unscoped compliance) is in org B's audit log, and
// so is taking it away again (unscoped compliance -> unscoped operations),
// though the organisation stays the same (none).
func TestAccessRevocationAudited(t *testing.T) {
	e := newEnv(t)
	e.seedTwoOrgs()
	ctx := context.Background()
	e.user("global", "compliance", "", "")
	root := e.browser()
	root.login("root", e.user("root", "admin", "", ""))
	_, page := root.get("/admin/users")
	tok := csrf(page)
	u, err := e.st.UserByName(ctx, "global")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body := root.post(fmt.Sprintf("/admin/users/%d/access", u.ID), url.Values{"csrf": {tok}, "role": {"operations"},
		"sender_org": {""}}); code != http.StatusSeeOther && code != http.StatusOK {
		t.Fatalf("demote: %d %.300s", code, body)
	}
	code, body := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgB, ""))
	if code != http.StatusOK {
		t.Fatalf("audit: %d", code)
	}
	if !strings.Contains(body, "user:global") {
		t.Errorf("org B's officer does not see that an unscoped officer's access to its letters was taken away")
	}
}
