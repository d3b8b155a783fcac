package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestEvidencePageReadsItsRows: a page of a long evidence log (a Digital
// Post letter of 5,000 entries among 2,000 letters' events) reads the
// page's rows of shipment_events and no more, the latest page and one
// further back alike, without sorting the log: the index on (shipment_id,
// observed_at, id) gives them in order. Without it each page read all
// 5,000 rows and sorted them. The proof's events of that log are the first
// and last of each of its five facts: ten, not 5,000.
func TestEvidencePageReadsItsRows(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	ships := storetest.Register(t, st, storetest.Letter(1), storetest.Letter(2))
	storetest.Fill{Like: ships[0], Letters: 2000, Events: 5, LongLog: ships[1].ID, LongEvents: 5000}.Into(t, st)

	const limit = 200
	first, err := st.EventsBefore(ctx, ships[1].ID, "", limit)
	if err != nil {
		t.Fatal(err)
	}
	if first.Total != 5001 || len(first.Events) != limit || first.NextCursor == "" {
		t.Fatalf("first page: %d events of %d, cursor %q; want %d of 5001 (the log and the registration) and a cursor", len(first.Events), first.Total, first.NextCursor, limit)
	}
	for _, cursor := range []string{"", first.NextCursor} {
		raw, err := st.ExplainEventsBefore(ctx, ships[1].ID, cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		var plans []struct{ Plan planNode }
		if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
			t.Fatalf("plan %s: %v", raw, err)
		}
		read := 0.0
		plans[0].Plan.walk(func(n planNode) {
			if n.Relation == "shipment_events" {
				read += n.Rows * n.Loops
			}
			if n.NodeType == "Sort" {
				t.Errorf("cursor %q: the page sorts the log; plan %s", cursor, raw)
			}
		})
		if read == 0 || read > limit+1 {
			t.Errorf("cursor %q: the page read %v rows of shipment_events, want at most %d; plan %s", cursor, read, limit+1, raw)
		}
	}

	proof, err := st.ProofEvents(ctx, ships[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(proof) != 10 {
		t.Errorf("the proof's events of a log of five facts: %d, want 10 (each fact's first and last)", len(proof))
	}
}

// TestProofEventsFirstAndLastOfEachFact: ProofEvents gives, of the events
// that can prove, the first and the last of each fact (kind, source, from
// and to state, raw status) in the order things happened (observed_at,
// then id), also when events of one fact share a moment or were recorded
// out of order; none between, none of another kind; each with only its
// log id of the payload.
func TestProofEventsFirstAndLastOfEachFact(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	sh := storetest.Register(t, st, storetest.Letter(1))[0]
	t0 := sh.SentAt.Add(time.Minute)
	type ev struct {
		kind, raw, to string
		at            time.Duration
	}
	evs := []ev{
		{store.EventChannel, "MESSAGE_READ", "", 9}, {store.EventChannel, "MESSAGE_READ", "", 4},
		{store.EventChannel, "MESSAGE_READ", "", 4}, {store.EventChannel, "MESSAGE_READ", "", 7},
		{store.EventChannel, "MESSAGE_READ", "", 9}, {store.EventChannel, "MEMO_AVAILABLE_TO_RECIPIENT", "", 3},
		{store.EventState, "", "available", 3}, {store.EventState, "", "available", 2},
		{store.EventState, "", "opened", 4}, {store.EventStatus, "X", "", 1}, {store.EventStatus, "X", "", 8},
	}
	for i, e := range evs {
		if err := st.AppendEvent(ctx, store.Event{ShipmentID: sh.ID, Kind: e.kind, Source: "digitalpost", ObservedAt: t0.Add(e.at * time.Minute),
			FromState: "accepted", ToState: e.to, RawStatus: e.raw, Payload: store.JSON(fmt.Sprintf(`{"id":"e%d","big":"%0100d"}`, i, 0))}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.Events(ctx, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	logID := map[int64]string{}
	for _, e := range all {
		var p struct{ ID string }
		if json.Unmarshal(e.Payload, &p) == nil && p.ID != "" {
			logID[e.ID] = `{"id": "` + p.ID + `"}`
		}
	}
	slices.SortStableFunc(all, func(a, b store.Event) int { return a.ObservedAt.Compare(b.ObservedAt) }) // ties: by id, as recorded
	first, last := map[string]int64{}, map[string]int64{}
	for _, e := range all {
		if !slices.Contains(store.ProofKinds, e.Kind) {
			continue
		}
		fact := e.Kind + "|" + e.Source + "|" + e.FromState + "|" + e.ToState + "|" + e.RawStatus
		if _, ok := first[fact]; !ok {
			first[fact] = e.ID
		}
		last[fact] = e.ID
	}
	var want []int64
	for _, e := range all {
		for fact := range first {
			if first[fact] == e.ID || last[fact] == e.ID {
				want = append(want, e.ID)
				break
			}
		}
	}
	proof, err := st.ProofEvents(ctx, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range proof {
		got = append(got, e.ID)
		if string(e.Payload) != logID[e.ID] {
			t.Errorf("proof event %d payload %s, want only its log id %s", e.ID, e.Payload, logID[e.ID])
		}
	}
	if len(want) != 6 || !slices.Equal(got, want) {
		t.Errorf("proof events %v, want %v (6: MESSAGE_READ's first and last, the available entry, available's first and last, opened)", got, want)
	}
}
