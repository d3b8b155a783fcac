package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestIncidentSnapshot: an incident read in one snapshot counts and lists
// the same letters though a letter of its period is registered, and
// another changes state (counted then), between the two reads (a sender system at work
// while a report is written); read apart, the list sees them.
func TestIncidentSnapshot(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := seedLists(t, st)
	all := store.IncidentFilter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
	registered := all
	registered.States = []model.State{model.StateRegistered}
	count := func(r store.IncidentReader, f store.IncidentFilter, i int) (summed, listed int) {
		t.Helper()
		sum, err := r.IncidentSummary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range sum {
			summed += c.N
		}
		late := sample(20 + i)
		late.SentAt = time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
		storetest.Register(t, st, late)                                                   // committed by another connection
		storetest.Set(t, st, []string{got[i].ID}, storetest.State(model.StateRegistered)) // opened, rejected: registered again
		if err := r.EachIncidentLetter(ctx, f, func(*store.IncidentRow) error { listed++; return nil }); err != nil {
			t.Fatal(err)
		}
		return summed, listed
	}
	var summed, listed int
	if err := st.IncidentSnapshot(ctx, func(r store.IncidentReader) error {
		summed, listed = count(r, registered, 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if summed != 6 || listed != 6 {
		t.Errorf("in one snapshot: summary %d, list %d; want 6 and 6 (the letters registered then)", summed, listed)
	}
	// Apart, the list reads a later moment: the snapshot is what keeps them
	// together (the test can tell).
	if summed, listed = count(st, registered, 1); summed == listed {
		t.Errorf("read apart: summary %d, list %d; want them to differ (a letter registered, another opened, in between)", summed, listed)
	}
}
