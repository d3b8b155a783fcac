package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestScopedAdmin: an admin scoped to a sender organisation sees and
// changes only its organisation's users and tokens, and gives no access
// beyond it: no other organisation's user to list, reset, disable or
// re-scope, no unscoped or foreign user or token to make, itself included.
// An unscoped admin administers all.
func TestScopedAdmin(t *testing.T) {
	e := newEnv(t)
	const own, other = "964338531", "974760673"
	e.user("anne", "admin", own, "")
	e.user("bob", "admin", other, "")
	e.user("root", "admin", "", "")
	ctx := context.Background()
	bob, err := e.st.UserByName(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	anneRow, err := e.st.UserByName(ctx, "anne")
	if err != nil {
		t.Fatal(err)
	}
	foreign := e.token("compliance", other, "")
	_ = foreign
	toks, err := e.st.Tokens(ctx)
	if err != nil || len(toks) == 0 {
		t.Fatal(toks, err)
	}
	foreignID := toks[0].ID

	b := e.browser()
	b.login("anne", "correct horse battery anne")
	_, page := b.get("/admin/users")
	if strings.Contains(page, ">bob<") || strings.Contains(page, ">root<") || !strings.Contains(page, "anne") {
		t.Errorf("a scoped admin's user list shows other organisations' users")
	}
	tok := csrf(page)
	for _, tc := range []struct {
		path string
		form url.Values
		want int
	}{
		{fmt.Sprintf("/admin/users/%d/password", bob.ID), url.Values{}, http.StatusNotFound},
		{fmt.Sprintf("/admin/users/%d/disable", bob.ID), url.Values{}, http.StatusNotFound},
		{fmt.Sprintf("/admin/users/%d/access", bob.ID), url.Values{"role": {"admin"}, "sender_org": {own}}, http.StatusNotFound},
		{fmt.Sprintf("/admin/users/%d/access", anneRow.ID), url.Values{"role": {"admin"}, "sender_org": {""}}, http.StatusBadRequest},
		{"/admin/users", url.Values{"name": {"eve"}, "role": {"admin"}, "sender_org": {other}}, http.StatusBadRequest},
		{"/admin/users", url.Values{"name": {"mallory"}, "role": {"compliance"}, "sender_org": {""}}, http.StatusBadRequest},
		{"/admin/tokens", url.Values{"name": {"root-token"}, "role": {"admin"}, "sender_org": {""}}, http.StatusBadRequest},
		{fmt.Sprintf("/admin/tokens/%d/revoke", foreignID), url.Values{}, http.StatusNotFound},
		// Within its own organisation it administers as before.
		{"/admin/users", url.Values{"name": {"carl"}, "role": {"compliance"}, "sender_org": {own}}, http.StatusCreated},
	} {
		tc.form.Set("csrf", tok)
		if code, _, body := b.post(tc.path, tc.form); code != tc.want {
			t.Errorf("POST %s %v: %d, want %d\n%.300s", tc.path, tc.form, code, tc.want, body)
		}
	}
	if u, err := e.st.UserByName(ctx, "anne"); err != nil || u.SenderOrg != own || u.Role != "admin" {
		t.Errorf("anne now %+v %v", u, err)
	}
	if _, err := e.st.UserByName(ctx, "eve"); err == nil {
		t.Error("a scoped admin made a user of another organisation")
	}
	// The unscoped admin sees everyone and may reset bob's password.
	r := e.browser()
	r.login("root", "correct horse battery root")
	_, page = r.get("/admin/users")
	if !strings.Contains(page, "bob") || !strings.Contains(page, "anne") {
		t.Error("the unscoped admin's list lacks users")
	}
	if code, _, _ := r.post(fmt.Sprintf("/admin/users/%d/password", bob.ID), url.Values{"csrf": {csrf(page)}}); code != http.StatusOK {
		t.Errorf("unscoped admin resetting bob's password: %d", code)
	}
}
