package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
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
	storetest.Register(t, st, sample(1))
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

// AuditLog pages newest first by id: the pages of one organisation's
// officer hold exactly its entries (its actors' and those about its data),
// each once, in order, the last page without a cursor; an entry written
// while paging does not shift the later pages; a cursor the store did not
// make is ErrBadCursor.
func TestAuditLogPages(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	const org, other = "964338531", "974760673"
	var want []string // org's entries, oldest first
	for i := range 25 {
		e := store.AuditEntry{Actor: "user:kari", SenderOrg: org, Action: "view_list", Object: fmt.Sprintf("entry %d", i)}
		switch i % 5 {
		case 1: // another organisation's actor, about its own data
			e.SenderOrg, e.SubjectOrg = other, other
		case 2: // an unscoped admin, about org's data
			e.SenderOrg, e.SubjectOrg = "", org
		case 3: // an unscoped admin's view of every organisation
			e.SenderOrg, e.SubjectOrg = "", store.SubjectAll
		}
		if err := st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if i%5 != 1 {
			want = append(want, e.Object)
		}
	}
	slices.Reverse(want)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the cursor does not end")
		}
		page, err := st.AuditLog(ctx, store.AuditFilter{SenderOrg: org, Before: cursor, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		if pages == 0 { // written while paging: newer than any later page
			if err := st.Audit(ctx, store.AuditEntry{Actor: "user:kari", SenderOrg: org, Action: "view_audit"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range page.Entries {
			got = append(got, e.Object)
		}
		if page.NextCursor == "" {
			if len(page.Entries) != len(want)%7 {
				t.Errorf("last page holds %d entries, want %d", len(page.Entries), len(want)%7)
			}
			break
		}
		if len(page.Entries) != 7 {
			t.Fatalf("a page with a next cursor holds %d entries, want 7", len(page.Entries))
		}
		cursor = page.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged:\n%v\nwant:\n%v", got, want)
	}
	for _, bad := range []string{"abc", "0", "-3", "07", "+7", "1.5", "99999999999999999999"} {
		if _, err := st.AuditLog(ctx, store.AuditFilter{Before: bad}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}
}
