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
// written: the status change and its history are evidence once, not twice.
func TestStaleClaimWritesNoDuplicateEvidence(t *testing.T) {
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
		return []store.PollResult{{Due: d, Source: "svarut", ObservedAt: at, Status: "VENTER_PAA_PUBLISERING", State: d.State,
			History: []byte(`[{"hendelse":"venter"}]`), NextPollAt: &next}}
	}
	if _, err := st.ApplyPoll(ctx, result(fresh[0], later)); err != nil {
		t.Fatal(err)
	}
	w, err := st.ApplyPoll(ctx, result(stale[0], now.Add(3*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := st.Shipment(ctx, stale[0].ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range sh.Events {
		n[e.Kind]++
	}
	if n[store.EventStatus] != 1 || n[store.EventHistory] != 1 || w.Statuses != 0 {
		t.Errorf("status events %d, history events %d, counted %d: want the change once", n[store.EventStatus], n[store.EventHistory], w.Statuses)
	}
}
