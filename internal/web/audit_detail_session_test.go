package web_test

import (
	"html"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// TestAuditDetailsOfLoginsInPageLanguage: the details the logins write, a
// session's extension (its new end, recorded in UTC) and a lockout (by the
// name or by the client's address), are said on a Norwegian or Danish
// audit page in its language, the end on the pages' clock as the When
// column tells it, not "until 2026-11-23T20:00:00Z" and "by name"; an
// English page shows them as recorded.
func TestAuditDetailsOfLoginsInPageLanguage(t *testing.T) {
	e := newEnv(t)
	for _, a := range []store.AuditEntry{
		{Actor: "user:kari", Action: store.ActSessionExtend, Detail: "until 2026-11-23T20:00:00Z"},
		{Actor: "user:kari", Action: store.ActLoginThrottled, Detail: "by name"},
		{Actor: "user:K…(17)", Action: store.ActLoginThrottled, Detail: "by address"},
	} {
		a.SubjectOrg = store.SubjectAll
		if err := e.st.Audit(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	b := e.loggedIn("anna", "admin", "", "")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"nb", []string{"<td>forlenget til 2026-11-23 21:00</td>", "<td>for mange feil med brukernavnet</td>", "<td>for mange feil fra adressen</td>"}},
		{"da", []string{"<td>forlænget til 2026-11-23 21:00</td>", "<td>for mange fejl med brugernavnet</td>", "<td>for mange fejl fra adressen</td>"}},
		{"en", []string{"<td>until 2026-11-23T20:00:00Z</td>", "<td>by name</td>", "<td>by address</td>"}},
	} {
		auditPageSays(t, b, tc.lang, tc.want)
	}
}

// TestAuditDetailOfSettledReminderInPageLanguage: a reminder released or
// confirmed on /reminders is audited with the organisation it went to
// ("organisation 974760673"); a Norwegian audit page says it in bokmål
// ("virksomhet 974760673"), as it says an entry's object.
func TestAuditDetailOfSettledReminderInPageLanguage(t *testing.T) {
	e := newEnv(t)
	for _, act := range []store.AuditAction{store.ActReminderRelease, store.ActReminderConfirm} {
		if err := e.st.Audit(t.Context(), store.AuditEntry{Actor: "user:kari", Action: act, Object: "notification 12",
			Detail: "organisation 974760673", SubjectOrg: store.SubjectAll}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.loggedIn("anna", "admin", "", "")
	for lang, want := range map[string]string{"nb": "<td>virksomhet 974760673</td>", "da": "<td>virksomhed 974760673</td>", "en": "<td>organisation 974760673</td>"} {
		_, page := b.getIn(lang, "/audit")
		if n := strings.Count(html.UnescapeString(page), want); n != 2 {
			t.Errorf("%s /audit shows %s %d times, want 2", lang, want, n)
		}
	}
}
