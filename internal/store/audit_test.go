package store_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

func TestAuditLogIsAppendOnly(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	base := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for i, e := range []store.AuditEntry{
		{Actor: "user:kari", SenderOrg: "964338531", Action: "view_shipment", Object: "shipment x"},
		{Actor: "user:ola", SenderOrg: "974760673", Action: "view_list", Object: "unopened"},
		{Actor: "token:sak", SenderOrg: "964338531", Action: "export", Object: "unopened", Detail: "csv"},
	} {
		e.At = base.Add(time.Duration(i) * time.Minute)
		if err := st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.AuditEntries(ctx, "", 10)
	if err != nil || len(all) != 3 || all[0].Action != "export" {
		t.Fatalf("entries = %+v, %v", all, err)
	}
	mine, err := st.AuditEntries(ctx, "964338531", 10)
	if err != nil || len(mine) != 2 {
		t.Fatalf("org entries = %+v, %v", mine, err)
	}
	for _, q := range []string{`UPDATE audit_log SET actor = 'x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := st.DB().ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", q, err)
		}
	}
}

func TestRetentionPurge(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	if _, _, err := st.Register(ctx, []model.NewShipment{sample(1)}, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.Audit(ctx, store.AuditEntry{At: old, Actor: "user:old", Action: "view_list"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Audit(ctx, store.AuditEntry{Actor: "user:new", Action: "view_list"}); err != nil {
		t.Fatal(err)
	}
	// An old event can only be made by the purge's own escape hatch, as a
	// migration of old data would: insert, then age it.
	tx := st.DB().MustBegin()
	tx.MustExec(`SET LOCAL postvakt.retention_purge = 'on'`)
	tx.MustExec(`ALTER TABLE shipment_events DISABLE TRIGGER USER`)
	tx.MustExec(`UPDATE shipment_events SET recorded_at = '2019-01-01'`)
	tx.MustExec(`ALTER TABLE shipment_events ENABLE TRIGGER USER`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Date(2021, 11, 23, 0, 0, 0, 0, time.UTC)
	// The letter is not purged: its old event stays (its retention counts
	// from its last change, PurgeShipments' business); the old audit entry goes.
	p, err := st.PurgeBefore(ctx, cutoff, "system:retention")
	if err != nil || p.Events != 0 || p.Audit != 1 {
		t.Fatalf("purge = %+v, %v", p, err)
	}
	entries, _ := st.AuditEntries(ctx, "", 10)
	if len(entries) != 2 || entries[0].Action != "retention_purge" || entries[0].Detail != "0 events, 1 audit entries" {
		t.Fatalf("after purge: %+v", entries)
	}
	// Outside the purge, deleting stays refused.
	if _, err := st.DB().ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
		t.Fatal("delete outside the purge allowed")
	}
}
