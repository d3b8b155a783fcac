package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSettingsAuditedOrNotChanged: saving the UI language changed it and
// then wrote its audit entry on its own, only logging a failure: with the
// audit log refusing the change stood unaudited and the page said it was
// saved. Changed and audited in one transaction, it is neither when the
// entry cannot be written, and the page says something went wrong; the
// audit log back, the same form saves it.
func TestSettingsAuditedOrNotChanged(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/settings")
	form := url.Values{"csrf": {csrf(page)}, "lang": {"da"}}
	restore := refuseAudit(t, e, "settings")
	if code, body := b.doIn("en", "POST", "/settings", form); code != http.StatusInternalServerError {
		t.Errorf("POST /settings with the audit log refusing: %d, want 500\n%.300s", code, body)
	}
	var lang string
	if err := e.st.DB().Get(&lang, `SELECT lang FROM users WHERE name = 'kari'`); err != nil {
		t.Fatal(err)
	}
	if lang != "" {
		t.Errorf("language with the audit log refusing: %q, want it unchanged (\"\")", lang)
	}
	restore()
	if code, body := b.doIn("en", "POST", "/settings", form); code != http.StatusSeeOther {
		t.Errorf("POST /settings, the audit log back: %d, want 303\n%.300s", code, body)
	}
	if err := e.st.DB().Get(&lang, `SELECT lang FROM users WHERE name = 'kari'`); err != nil || lang != "da" {
		t.Errorf("language, the audit log back: %q (%v), want da", lang, err)
	}
	if !e.audited("user:kari", "settings", "user:kari") {
		t.Error("the language saved is not audited")
	}
}
