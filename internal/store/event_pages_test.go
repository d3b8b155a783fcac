package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestEventsBefore: a letter's log read a page at a time, the latest page
// first, gives every event once in the order things happened (observed_at,
// then id), also where events of the same moment straddle a page's edge;
// a cursor this server did not make is ErrBadCursor. ProofEvents gives the
// events that can prove, in the same order, with only the log's id of
// their payloads.
func TestEventsBefore(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	sh := storetest.Register(t, st, storetest.Letter(1))[0]
	t0 := sh.SentAt.Add(time.Minute)
	// Recorded out of the order they happened: the channel's history
	// arrives after the status; three at one moment.
	for i, at := range []time.Duration{5, 2, 2, 2, 9, 1, 7} {
		kind := store.EventStatus
		if i%2 == 0 {
			kind = store.EventState
		}
		if err := st.AppendEvent(ctx, store.Event{ShipmentID: sh.ID, Kind: kind, Source: "svarut", ObservedAt: t0.Add(at * time.Minute),
			FromState: "registered", ToState: "accepted", RawStatus: fmt.Sprint("S", i),
			Payload: store.JSON(fmt.Sprintf(`{"id":"e%d","big":"%0100d"}`, i, 0))}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.Events(ctx, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(all)
	slices.SortStableFunc(want, func(a, b store.Event) int { return a.ObservedAt.Compare(b.ObservedAt) })

	var got []store.Event
	cursor := ""
	for pages := 1; ; pages++ {
		p, err := st.EventsBefore(ctx, sh.ID, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != len(all) || len(p.Events) == 0 || len(p.Events) > 2 {
			t.Fatalf("page %d: %d events of %d, want 1 or 2 of %d", pages, len(p.Events), p.Total, len(all))
		}
		got = append(slices.Clone(p.Events), got...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("pages gave %d events, the log has %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("event %d: %d, want %d (the order things happened)", i, got[i].ID, want[i].ID)
		}
	}
	for _, bad := range []string{"garbage!", "MjAyNg", "MjAyNi0xMS0yMFQxMDowMDowMVp8eA"} { // the last: "2026-11-20T10:00:01Z|x"
		if _, err := st.EventsBefore(ctx, sh.ID, bad, 2); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}

	proof, err := st.ProofEvents(ctx, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	var wantProof []int64
	for _, e := range want {
		if slices.Contains(store.ProofKinds, e.Kind) {
			wantProof = append(wantProof, e.ID)
		}
	}
	var gotProof []int64
	for _, e := range proof {
		gotProof = append(gotProof, e.ID)
		if e.Kind == store.EventState && string(e.Payload) != fmt.Sprintf(`{"id": "e%s"}`, e.RawStatus[1:]) {
			t.Errorf("proof event %d payload %s, want only its log id", e.ID, e.Payload)
		}
	}
	if !slices.Equal(gotProof, wantProof) {
		t.Errorf("proof events %v, want %v", gotProof, wantProof)
	}
}
