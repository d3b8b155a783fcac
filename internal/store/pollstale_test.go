package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
)

// A worker whose claim lapsed before it wrote (its write waited behind a
// lock longer than the lease) writes what another worker, which claimed
// the letter after the lease and asked the channel too, has already
// written: each piece of evidence is there once, not twice.
func TestStaleClaimWritesNoDuplicateEvidence(t *testing.T) {
	tests := []struct {
		name   string
		answer func(r *store.PollResult)
		once   []string // event kinds written once
	}{
		{"status change and its history", func(r *store.PollResult) {
			r.Status, r.History = "VENTER_PAA_PUBLISERING", []byte(`[{"hendelse":"venter"}]`)
		}, []string{store.EventStatus, store.EventHistory}},
		{"unknown to the channel", func(r *store.PollResult) { r.Unknown = true }, []string{store.EventUnknown}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := newStore(t)
			registerFor(t, st, orgs[0])
			now := time.Now()
			stale, err := st.ClaimDue(ctx, "svarut", now, 10, time.Minute)
			if err != nil || len(stale) != 1 {
				t.Fatalf("first claim: %d (%v)", len(stale), err)
			}
			later := now.Add(2 * time.Minute)
			fresh, err := st.ClaimDue(ctx, "svarut", later, 10, time.Minute)
			if err != nil || len(fresh) != 1 {
				t.Fatalf("claim after the lease: %d (%v)", len(fresh), err)
			}
			next := later.Add(time.Hour)
			result := func(d store.Due, at time.Time) []store.PollResult {
				r := store.PollResult{Due: d, Source: "svarut", ObservedAt: at, Status: d.ChannelStatus, State: d.State, NextPollAt: &next}
				tc.answer(&r)
				return []store.PollResult{r}
			}
			if _, err := st.ApplyPoll(ctx, result(fresh[0], later)); err != nil {
				t.Fatal(err)
			}
			w, err := st.ApplyPoll(ctx, result(stale[0], now.Add(3*time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			if w.Statuses != 0 {
				t.Errorf("the late write counted %d status changes, want none", w.Statuses)
			}
			sh, err := st.Shipment(ctx, stale[0].ID, store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			n := map[string]int{}
			for _, e := range sh.Events {
				n[e.Kind]++
			}
			for _, k := range tc.once {
				if n[k] != 1 {
					t.Errorf("%d %s events, want one", n[k], k)
				}
			}
		})
	}
}
