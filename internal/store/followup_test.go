package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

func TestFollowUps(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := seedLists(t, st)
	storetest.SetUnitManager(t, st, "NAV", "leder@nav.example")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	// Rejected (1), failed (2), and unopened confidential sent before Oct 6 (3, 4).
	n, err := st.OpenFollowUps(ctx, time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC), now.AddDate(0, 0, 10))
	if err != nil || n != 4 {
		t.Fatalf("opened %d follow-ups, %v; want 4", n, err)
	}
	if n, _ := st.OpenFollowUps(ctx, time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC), now); n != 0 {
		t.Fatalf("second run opened %d, want 0", n)
	}
	open, err := st.FollowUps(ctx, store.Scope{}, false, 100)
	if err != nil || len(open) != 4 {
		t.Fatalf("open follow-ups = %d, %v", len(open), err)
	}
	nav, _ := st.FollowUps(ctx, store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, false, 100)
	if len(nav) != 2 {
		t.Fatalf("NAV sees %d follow-ups, want 2", len(nav))
	}

	// A resend registers the new shipment first, then records the decision.
	ns := sample(100)
	ns.SenderUnit = "NAV"
	resent, _, err := st.Register(ctx, []model.NewShipment{ns}, store.SourceUser, "user:ola")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		d    store.FollowUpDecision
		ok   bool
	}{
		{"unknown decision", store.FollowUpDecision{ShipmentID: got[1].ID, Decision: "shrug"}, false},
		{"resend without shipment", store.FollowUpDecision{ShipmentID: got[1].ID, Decision: store.DecisionResent}, false},
		{"resend", store.FollowUpDecision{ShipmentID: got[1].ID, Decision: store.DecisionResent, NewShipmentID: resent[0].ID}, true},
		{"assessed, creating the follow-up", store.FollowUpDecision{ShipmentID: got[6].ID, Decision: store.DecisionAssessed, Note: "klagefrist passert", MissedDeadline: true, Deadline: now}, true},
		{"no such shipment", store.FollowUpDecision{ShipmentID: "0190a000-0000-7000-8000-000000000000", Decision: store.DecisionClosed}, false},
	} {
		tc.d.Actor, tc.d.At = "user:ola", now
		if tc.d.Deadline.IsZero() {
			tc.d.Deadline = now
		}
		if err := st.RecordFollowUp(ctx, tc.d); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	fu, err := st.FollowUp(ctx, got[1].ID, store.Scope{})
	if err != nil || fu.Decision == nil || *fu.Decision != store.DecisionResent || fu.NewShipmentID == nil || *fu.NewShipmentID != resent[0].ID {
		t.Fatalf("follow-up = %+v, %v", fu, err)
	}
	if _, err := st.FollowUp(ctx, got[1].ID, store.Scope{SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another unit's follow-up: %v", err)
	}
	// The resend knows the letter it was sent for, in the scope that sees
	// that letter's follow-up; no other letter was resent for anything.
	for _, tc := range []struct {
		name, id string
		scope    store.Scope
		want     string
	}{
		{"the resend", resent[0].ID, store.Scope{}, got[1].ID},
		{"the resend, by its unit", resent[0].ID, store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, got[1].ID},
		{"the resend, by another unit", resent[0].ID, store.Scope{SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}, ""},
		{"the original", got[1].ID, store.Scope{}, ""},
		{"not an id", "x", store.Scope{}, ""},
	} {
		if from, err := st.ResentFrom(ctx, tc.id, tc.scope); err != nil || from != tc.want {
			t.Errorf("ResentFrom, %s: %q %v, want %q", tc.name, from, err, tc.want)
		}
	}
	sh, _ := st.Shipment(ctx, got[6].ID, store.Scope{})
	last := sh.Events[len(sh.Events)-1]
	if last.Kind != store.EventFollowUp || last.Source != store.SourceUser || last.Actor != "user:ola" {
		t.Fatalf("follow-up event = %+v", last)
	}

	overdue, err := st.OverdueFollowUps(ctx, now.AddDate(0, 0, 11))
	if err != nil {
		t.Fatal(err)
	}
	// Open and past deadline: got[2] (Barnevern), got[3] (NAV), got[4] (Barnevern).
	if len(overdue) != 2 {
		t.Fatalf("overdue groups = %+v", overdue)
	}
	for _, g := range overdue {
		switch g.Unit {
		case "NAV":
			if g.ManagerEmail != "leder@nav.example" || len(g.FollowUps) != 1 {
				t.Errorf("NAV overdue = %+v", g)
			}
		case "Barnevernstjenesten":
			if len(g.FollowUps) != 2 {
				t.Errorf("Barnevern overdue = %+v", g)
			}
		default:
			t.Errorf("unexpected unit %q", g.Unit)
		}
	}
}

// TestNoFollowUpOfAPurgedLetter: a decision on a letter the retention
// purge took (read before the purge, recorded after) is refused with
// ErrPurged, nothing recorded: its evidence is gone.
func TestNoFollowUpOfAPurgedLetter(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got, _, err := st.Register(ctx, []model.NewShipment{sample(1)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if _, err := st.PurgeShipments(ctx, storetest.Due(got[0].ID), now, "system:retention"); err != nil {
		t.Fatal(err)
	}
	err = st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: got[0].ID, Decision: store.DecisionClosed,
		Actor: "user:ola", At: now, Deadline: now})
	if !errors.Is(err, store.ErrPurged) {
		t.Errorf("follow-up of a purged letter: %v, want ErrPurged", err)
	}
	if _, err := st.FollowUp(ctx, got[0].ID, store.Scope{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a follow-up was recorded for the purged letter (err %v)", err)
	}
}
