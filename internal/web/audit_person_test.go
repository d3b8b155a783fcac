package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuditPersonFilterFindsSearchResults: a person search's list (and its
// summary and export) is about that person, not about a row id. Its audit
// entries name the person masked as the search's own entry does
// ("recipient=010170*****"), with the list and its rid in the detail, so
// the audit log's person filter finds everything ola did about the person;
// the full national id is nowhere in the log.
func TestAuditPersonFilterFindsSearchResults(t *testing.T) {
	e := newEnv(t)
	e.seed(3) // the third to the person 01017012343
	ola := e.loggedIn("ola", "unit", auditOrg, "Barnevernstjenesten")
	_, page := ola.get("/search")
	code, loc, body := ola.post("/search", url.Values{"csrf": {csrf(page)}, "recipient": {"01017012343"}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "rid=") {
		t.Fatalf("ola searches: %d %s %.200s", code, loc, body)
	}
	rid := strings.TrimPrefix(loc, "/list?")
	for _, path := range []string{loc, "/export?format=csv&" + rid, "/unopened?" + rid} {
		if code, page := ola.get(path); code != http.StatusOK {
			t.Fatalf("%s: %d %.200s", path, code, page)
		}
	}

	kari := e.loggedIn("kari", "compliance", auditOrg, "")
	_, page = filterAudit(t, kari, url.Values{"person": {"01017012343"}, "actor": {"user:ola"}})
	got := strings.Join(auditRows(page), "\n")
	for _, want := range []string{"user:ola|search|recipient=010170*****", "user:ola|view_list|recipient=010170*****",
		"user:ola|export|recipient=010170*****", "user:ola|view_summary|recipient=010170*****"} {
		if !strings.Contains(got, want) {
			t.Errorf("by person: %q, want among them %q", got, want)
		}
	}
	var n int
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM audit_log WHERE action IN ('view_list', 'export', 'view_summary')
		AND object = 'recipient=010170*****' AND detail LIKE '%search rid=%'`).Scan(&n); err != nil || n < 3 {
		t.Errorf("%d entries (%v) keep the list and its rid in the detail, want 3", n, err)
	}
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM audit_log WHERE concat(actor, object, detail) LIKE '%12343%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d entries (%v) hold the full national id", n, err)
	}
}
