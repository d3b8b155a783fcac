package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// TestAdminChangeAuditedOrUnchanged: the admin pages changed a user's
// access (role, scope, e-mail), reset a password (the new one shown),
// disabled a user or revoked a token, and then wrote the audit entry on
// its own, only logging a failure: with the audit log refusing (or a
// crash between) a user stood made an unscoped admin, or an administrator
// held another's new password, with no entry of who did it. Each is
// changed and audited in one transaction: with the entry refused, nothing
// changes, the page says something went wrong and shows no password; the
// audit log back, the same form does it.
func TestAdminChangeAuditedOrUnchanged(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("root", "admin", "", "")
	e.user("per", "compliance", "964338531", "")
	ctx := context.Background()
	per, err := e.st.UserByName(ctx, "per")
	if err != nil {
		t.Fatal(err)
	}
	tokID, _, err := e.st.CreateTokenID(ctx, store.Token{Name: "sak", Role: "compliance", SenderOrg: "964338531"})
	if err != nil {
		t.Fatal(err)
	}
	_, page := b.get("/admin/users")
	tok := csrf(page)
	type state struct {
		Role, SenderOrg, Email, Hash string
		Disabled, Revoked            bool
	}
	read := func() (s state) {
		t.Helper()
		if err := e.st.DB().QueryRow(`SELECT u.role, u.sender_org, u.email, u.password_hash, u.disabled_at IS NOT NULL,
			(SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = $2) FROM users u WHERE u.id = $1`, per.ID, tokID).
			Scan(&s.Role, &s.SenderOrg, &s.Email, &s.Hash, &s.Disabled, &s.Revoked); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := read()
	forms := []struct {
		path string
		form url.Values
	}{
		{fmt.Sprintf("/admin/users/%d/access", per.ID), url.Values{"csrf": {tok}, "role": {"admin"}, "email": {"per@kommune.no"}}},
		{fmt.Sprintf("/admin/users/%d/password", per.ID), url.Values{"csrf": {tok}}},
		{fmt.Sprintf("/admin/users/%d/disable", per.ID), url.Values{"csrf": {tok}}},
		{fmt.Sprintf("/admin/tokens/%d/revoke", tokID), url.Values{"csrf": {tok}}},
	}
	restore := refuseAudit(t, e, "user_access", "user_password", "user_disable", "token_revoke")
	for _, f := range forms {
		code, body := b.doIn("en", "POST", f.path, f.form)
		if code != http.StatusInternalServerError || strings.Contains(body, "shown once") {
			t.Errorf("POST %s with the audit log refusing: %d, want 500 and no password\n%.300s", f.path, code, body)
		}
	}
	if after := read(); after != before {
		t.Errorf("with the audit log refusing the user and token became %+v; want them as they were, %+v", after, before)
	}
	restore()
	for _, f := range forms {
		if code, body := b.doIn("en", "POST", f.path, f.form); code != http.StatusSeeOther && code != http.StatusOK {
			t.Errorf("POST %s, the audit log back: %d\n%.300s", f.path, code, body)
		}
	}
	if after := read(); after.Role != "admin" || after.Email != "per@kommune.no" || after.Hash == before.Hash || !after.Disabled || !after.Revoked {
		t.Errorf("the audit log back, the user and token are %+v; want changed", after)
	}
	for _, a := range []string{"user_access", "user_password", "user_disable"} {
		if !e.audited("user:root", a, "user:per") {
			t.Errorf("no %s entry of per", a)
		}
	}
	if !e.audited("user:root", "token_revoke", "sak") {
		t.Error("no token_revoke entry of sak")
	}
}

// refuseAudit makes the audit log refuse entries of the actions until the
// returned restore is called.
func refuseAudit(t *testing.T, e *env, actions ...string) (restore func()) {
	t.Helper()
	if _, err := e.st.DB().Exec(fmt.Sprintf(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.action IN ('%s') THEN RAISE EXCEPTION 'audit log unavailable'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
		strings.Join(actions, "', '"))); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := e.st.DB().Exec(`DROP TRIGGER refuse_audit ON audit_log; DROP FUNCTION refuse_audit()`); err != nil {
			t.Fatal(err)
		}
	}
}
