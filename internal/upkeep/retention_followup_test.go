package upkeep

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A follow-up still open (no decision) when the purge takes its letter
// stayed open: no decision can be recorded for a purged letter
// (store.ErrPurged), so it was overdue in the compliance digest and on
// /followups every morning for ever, with no way to close it. The purge
// closes it, decided by the purge (system:retention), and counts it.
func TestRetentionClosesTheOpenFollowUpOfAPurgedLetter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	ids := register(t, st, letter{"taushetsbelagt", "org", firma, "TITTEL-OPPFOLGING", old})
	// Rejected in 2020 (register's state): its follow-up opened then, never decided.
	if n, err := st.OpenFollowUps(ctx, old, old.AddDate(0, 0, 10)); err != nil || n != 1 {
		t.Fatalf("open follow-ups: %d %v", n, err)
	}
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	p, err := purge(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Shipments != 1 {
		t.Fatalf("purge counts %+v: want the letter purged", p)
	}
	if p.FollowUpsClosed != 1 {
		t.Errorf("purge counts %+v: want its open follow-up closed and counted", p)
	}
	// The audit log, which an inspector reads, counts it as the log does:
	// the purge decided it, not the unit.
	if n := auditCount(t, st, "retention_purge_letters", "1 letters, %, 1 follow-ups closed, %"); n != 1 {
		t.Errorf("%d retention_purge_letters entries counting the follow-up the purge closed, want 1", n)
	}
	overdue, err := st.OverdueFollowUps(ctx, now.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range overdue {
		for _, f := range u.FollowUps {
			t.Errorf("the purged letter's follow-up %s is still overdue (the digest's list)", f.ShipmentID)
		}
	}
	fu, err := st.FollowUp(ctx, ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if fu.Decision == nil || *fu.Decision != store.DecisionClosed || fu.DecidedBy != "system:retention" || fu.DecidedAt == nil || !fu.DecidedAt.Equal(now) {
		t.Errorf("follow-up after the purge: decision %v by %q at %v, want closed by system:retention at %v", fu.Decision, fu.DecidedBy, fu.DecidedAt, now)
	}
	// Still no decision of a person's: the letter is purged.
	err = st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[0], Decision: store.DecisionClosed, Actor: "user:kari", At: now})
	if !errors.Is(err, store.ErrPurged) {
		t.Errorf("a decision on the purged letter: %v, want ErrPurged", err)
	}
}

// A letter of 2020 back-filled today, rejected then by the channel's own
// time: the notices run opens its follow-up at once (deadline in 14
// days), and the unit is to decide on it. Opening it writes no event, so
// unless the notice to the unit went out (a unit with no address, a mail
// server down), tonight's purge took the letter, its evidence and its
// title, and closed the follow-up by system:retention the same night the
// unit was asked for a decision. An open follow-up counts as a change at
// its deadline: the letter stays, its follow-up open.
func TestRetentionKeepsALetterWhoseFollowUpIsOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	today := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	ids := register(t, st, letter{"taushetsbelagt", "org", firma, "TITTEL-APEN-OPPFOLGING", old})
	if n, err := st.OpenFollowUps(ctx, today, today.AddDate(0, 0, 14)); err != nil || n != 1 {
		t.Fatalf("open follow-ups: %d %v", n, err)
	}
	tonight := time.Date(2026, 6, 2, 2, 30, 0, 0, time.UTC)
	p, err := purge(ctx, st, tonight)
	if err != nil {
		t.Fatal(err)
	}
	if p.Shipments != 0 || p.FollowUpsClosed != 0 {
		t.Errorf("purge counts %+v: the letter whose follow-up opened today was purged, its follow-up closed", p)
	}
	fu, err := st.FollowUp(ctx, ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if fu.Decision != nil {
		t.Errorf("follow-up after the purge: decision %q by %q, want it open for the unit", *fu.Decision, fu.DecidedBy)
	}
	if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[0], Decision: store.DecisionClosed,
		Actor: "user:kari", At: tonight.Add(7 * time.Hour)}); err != nil {
		t.Errorf("the unit's decision the next morning: %v", err)
	}
}
