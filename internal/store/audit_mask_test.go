package store_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// A national id in an audit entry's actor, object or detail (what a
// caller typed into a filter or the login form) is stored masked, and an
// entry written unmasked before that (an older postvakt's) is read masked:
// the audit page, its API and exports never show one.
func TestAuditMasksNationalIDs(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	const fnr, cpr = "01017012343", "0101701234"
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if err := st.Audit(ctx, store.AuditEntry{At: at, Actor: "user:" + fnr, Action: "view_list",
		Object: "shipments sender_unit=" + fnr + " channel=" + cpr, Detail: "by " + cpr}); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := st.DB().GetContext(ctx, &stored, `SELECT actor || ' ' || object || ' ' || detail FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, fnr) || strings.Contains(stored, cpr) || !strings.Contains(stored, "sender_unit=010170***** channel=010170****") {
		t.Errorf("stored %q, want the ids masked", stored)
	}
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, object, detail) VALUES ($1, $2, 'export', $3, '')`,
		at.Add(time.Minute), "user:"+fnr, "incident unit="+fnr); err != nil {
		t.Fatal(err)
	}
	got, err := st.AuditEntries(ctx, "", 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("entries %+v, %v", got, err)
	}
	for _, e := range got {
		if s := e.Actor + " " + e.Object + " " + e.Detail; strings.Contains(s, fnr) || strings.Contains(s, cpr) {
			t.Errorf("entry read as %q, want the ids masked", s)
		}
	}
	if got[0].Object != "incident unit=010170*****" {
		t.Errorf("an older unmasked entry reads %q", got[0].Object)
	}
}
