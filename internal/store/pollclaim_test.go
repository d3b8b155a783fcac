package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A claim holds letters for its lease without moving their next poll; a
// crashed claim's letters come back after the lease; writing the result
// ends the claim.
func TestClaimLease(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	registerFor(t, st, orgs[0], orgs[1], orgs[2])
	now := time.Now()
	first, err := st.ClaimDue(ctx, "svarut", now, 2, time.Minute)
	if err != nil || len(first) != 2 {
		t.Fatalf("first claim: %d (%v)", len(first), err)
	}
	second, err := st.ClaimDue(ctx, "svarut", now, 10, time.Minute)
	if err != nil || len(second) != 1 {
		t.Fatalf("second claim: %d (%v), want only the unclaimed letter", len(second), err)
	}
	if again, _ := st.ClaimDue(ctx, "svarut", now.Add(30*time.Second), 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed again within the lease: %d", len(again))
	}
	// The first claim wrote its result; the second crashed.
	next := now.Add(time.Hour)
	res := []store.PollResult{{Due: first[0], Source: "svarut", ObservedAt: now, Status: "MOTTATT", State: model.StateAccepted, NextPollAt: &next},
		{Due: first[1], Source: "svarut", ObservedAt: now, Status: "MOTTATT", State: model.StateAccepted, NextPollAt: &next}}
	if _, err := st.ApplyPoll(ctx, res); err != nil {
		t.Fatal(err)
	}
	back, err := st.ClaimDue(ctx, "svarut", now.Add(2*time.Minute), 10, time.Minute)
	if err != nil || len(back) != 1 || back[0].ID != second[0].ID {
		t.Fatalf("after the lease: %v (%v), want the crashed claim's letter back", back, err)
	}
	// Just before their next poll only the crashed letter is due (its
	// second claim lapsed too); at it, the two written ones.
	if got, _ := st.ClaimDue(ctx, "svarut", next.Add(-time.Second), 10, time.Minute); len(got) != 1 || got[0].ID != second[0].ID {
		t.Fatalf("before the next poll: %d claimed, want the crashed claim's letter", len(got))
	}
	if got, _ := st.ClaimDue(ctx, "svarut", next, 10, time.Minute); len(got) != 2 {
		t.Fatalf("at the next poll: %d claimed, want the two written letters (their claim ended)", len(got))
	}
}
