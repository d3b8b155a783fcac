package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminCreateAuditedOrNotMade: the admin pages made a user or API
// token and then wrote its audit entry on its own, only logging a failure:
// with the audit log refusing (or a crash between) a user or token that
// gives access stood with no entry saying who made it. Made and audited in
// one transaction, it is neither when the entry cannot be written, the
// page says something went wrong, no password or secret is shown; the
// audit log back, the same form makes it.
func TestAdminCreateAuditedOrNotMade(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("root", "admin", "", "")
	_, page := b.get("/admin/users")
	tok := csrf(page)
	if _, err := e.st.DB().Exec(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.action IN ('user_create', 'token_create') THEN RAISE EXCEPTION 'audit log unavailable'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`); err != nil {
		t.Fatal(err)
	}
	forms := map[string]url.Values{
		"/admin/users":  {"csrf": {tok}, "name": {"per"}, "role": {"compliance"}, "sender_org": {"964338531"}},
		"/admin/tokens": {"csrf": {tok}, "name": {"sak"}, "role": {"compliance"}, "sender_org": {"964338531"}},
	}
	for path, form := range forms {
		code, body := b.doIn("en", "POST", path, form)
		if code != http.StatusInternalServerError || strings.Contains(body, "pvt_") || strings.Contains(body, "shown once") {
			t.Errorf("POST %s with the audit log refusing: %d, want 500 and no secret\n%.300s", path, code, body)
		}
	}
	var n int
	if err := e.st.DB().Get(&n, `SELECT (SELECT count(*) FROM users WHERE name = 'per') + (SELECT count(*) FROM api_tokens)`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d users or tokens made with the audit log refusing; want none", n)
	}
	if _, err := e.st.DB().Exec(`DROP TRIGGER refuse_audit ON audit_log`); err != nil {
		t.Fatal(err)
	}
	for path, form := range forms {
		if code, body := b.doIn("en", "POST", path, form); code != http.StatusCreated {
			t.Errorf("POST %s, the audit log back: %d, want 201\n%.300s", path, code, body)
		}
	}
	if !e.audited("user:root", "user_create", "user:per") || !e.audited("user:root", "token_create", "sak") {
		t.Error("the user or the token made is not audited")
	}
}
