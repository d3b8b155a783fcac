package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// knownEvents returns the known_to_channel events of a shipment.
func knownEvents(t *testing.T, st *store.Store, id string) []store.Event {
	t.Helper()
	var evs []store.Event
	if err := st.DB().Select(&evs, `SELECT id, shipment_id, kind, source, actor, observed_at, polled_at, recorded_at, from_state,
		to_state, raw_status, payload, message FROM shipment_events WHERE shipment_id = $1 AND kind = $2 ORDER BY id`,
		id, store.EventKnownAgain); err != nil {
		t.Fatal(err)
	}
	return evs
}

// marked says whether the shipment is marked unknown_to_channel.
func marked(t *testing.T, st *store.Store, id string) bool {
	t.Helper()
	var m bool
	if err := st.DB().Get(&m, `SELECT unknown_to_channel_since IS NOT NULL FROM shipments WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return m
}

// knownResult is a usable poll answer about id, the claim having seen the
// letter marked unknown since since.
func knownResult(id string, since, at time.Time) store.PollResult {
	next := at.Add(time.Hour)
	return store.PollResult{Due: store.Due{ID: id, State: model.StateRegistered, UnknownSince: &since}, Source: "digitalpost",
		ObservedAt: at, State: model.StateRegistered, NextPollAt: &next}
}

// markedSince is when the tests' letters came to be marked
// unknown_to_channel.
var markedSince = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// markedUnknown registers the Danish letters numbered ns (from the API)
// and marks them unknown_to_channel since markedSince.
func markedUnknown(t *testing.T, st *store.Store, ns ...int) []store.Shipment {
	t.Helper()
	var items []model.NewShipment
	for _, n := range ns {
		items = append(items, danish(n))
	}
	got, _, err := st.Register(context.Background(), items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, st, storetest.IDs(got), storetest.UnknownToChannelSince(markedSince))
	return got
}

// TestFeedClearsUnknownWithEvidence: the Digital Post log clearing a
// letter's unknown_to_channel mark leaves a known_to_channel event, as a
// poll does, in the same transaction, once: a new entry about the letter
// (at the entry's time, from the state it had) or its log read whole with
// entries kept (Synced). A letter not marked gets none, a later entry adds
// none, and one whose log has no entry keeps its mark and gets none.
func TestFeedClearsUnknownWithEvidence(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := storetest.Register(t, st, danish(81), danish(82), danish(83), danish(84))
	byEntry, bySync, empty, plain := got[0], got[1], got[2], got[3]
	t0 := time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)
	// bySync's log has an entry from before it was marked.
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: []store.FeedEntry{
		entry("s1", bySync.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t0)}}); err != nil {
		t.Fatal(err)
	}
	since := t0.Add(time.Hour)
	storetest.Set(t, st, []string{byEntry.ID, bySync.ID, empty.ID}, storetest.UnknownToChannelSince(since))
	t1 := since.Add(time.Hour)
	apply := func(a store.FeedApply) {
		t.Helper()
		a.Channel = "digitalpost"
		if _, err := st.ApplyFeed(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	apply(store.FeedApply{Synced: []string{bySync.ID, empty.ID, plain.ID}, Entries: []store.FeedEntry{
		entry("e1", byEntry.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t1),
		entry("p1", plain.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t1)}})
	// Later entries and another read find the marks gone: nothing more.
	apply(store.FeedApply{Synced: []string{bySync.ID, byEntry.ID}, Entries: []store.FeedEntry{
		entry("e2", byEntry.ChannelID, "MEMO_OPENED", model.StateOpened, "", t1.Add(time.Hour))}})
	for _, tc := range []struct {
		name    string
		id      string
		events  int
		at      time.Time
		state   model.State
		stillOn bool
	}{
		{"an entry about it", byEntry.ID, 1, t1, model.StateRegistered, false},
		{"its log read whole", bySync.ID, 1, t0, model.StateAccepted, false},
		{"its log read, no entry", empty.ID, 0, time.Time{}, "", true},
		{"never marked", plain.ID, 0, time.Time{}, "", false},
	} {
		evs := knownEvents(t, st, tc.id)
		if len(evs) != tc.events || marked(t, st, tc.id) != tc.stillOn {
			t.Errorf("%s: %d known_to_channel events, marked %v; want %d, marked %v", tc.name, len(evs), marked(t, st, tc.id), tc.events, tc.stillOn)
			continue
		}
		if tc.events == 1 {
			e := evs[0]
			if e.Source != "digitalpost" || !e.ObservedAt.Equal(tc.at) || e.FromState != string(tc.state) || e.ToState != string(tc.state) {
				t.Errorf("%s: event %+v, want from digitalpost at %s in state %s", tc.name, e, tc.at, tc.state)
			}
		}
	}
	// The known event comes before the state change it came with.
	var kinds []string
	if err := st.DB().Select(&kinds, `SELECT kind FROM shipment_events WHERE shipment_id = $1 AND kind IN ($2, $3) ORDER BY id`,
		byEntry.ID, store.EventKnownAgain, store.EventState); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(kinds) != "[known_to_channel state state]" {
		t.Errorf("events %v, want the known_to_channel event first", kinds)
	}
}

// TestPollWritesKnownOnlyWhenItClears: a poll whose claim saw the letter
// marked writes known_to_channel only when its own transaction clears the
// mark: not when another worker (a poll, the log) cleared it first. A mark
// set after the claim (by another worker) that the poll's answer clears
// gets its event too.
func TestPollWritesKnownOnlyWhenItClears(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := markedUnknown(t, st, 91, 92)
	id, late, since := got[0].ID, got[1].ID, markedSince
	r := knownResult(late, since, since.Add(time.Hour))
	r.Due.UnknownSince = nil // claimed before it was marked
	if _, err := st.ApplyPoll(ctx, []store.PollResult{r}); err != nil {
		t.Fatal(err)
	}
	if evs := knownEvents(t, st, late); len(evs) != 1 || marked(t, st, late) {
		t.Errorf("marked after the claim: %d known_to_channel events, marked %v; want one, the mark gone", len(evs), marked(t, st, late))
	}
	// Two workers claimed the letter while it was marked (a lease ran out).
	for i := range 2 {
		if _, err := st.ApplyPoll(ctx, []store.PollResult{knownResult(id, since, since.Add(time.Duration(i+1)*time.Hour))}); err != nil {
			t.Fatal(err)
		}
	}
	if evs := knownEvents(t, st, id); len(evs) != 1 || !evs[0].ObservedAt.Equal(since.Add(time.Hour)) || marked(t, st, id) {
		t.Fatalf("%d known_to_channel events (%+v), marked %v; want the first poll's only", len(evs), evs, marked(t, st, id))
	}
}

// TestConcurrentClearersWriteOneKnownEvent: two transactions clearing the
// same letter's unknown_to_channel mark at the same moment — two polls, a
// poll and the Digital Post log, the log twice — write exactly one
// known_to_channel event between them, and both succeed. Each starts while
// a third transaction holds the letter's row, so both wait on it and go
// on together when it lets go.
func TestConcurrentClearersWriteOneKnownEvent(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	since := markedSince
	at := since.Add(time.Hour)
	poll := func(id string) func() error {
		return func() error {
			_, err := st.ApplyPoll(ctx, []store.PollResult{knownResult(id, since, at)})
			return err
		}
	}
	feed := func(entryID, channelID string) func() error {
		return func() error {
			_, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: []store.FeedEntry{
				entry(entryID, channelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", at)}})
			return err
		}
	}
	for i, tc := range []struct {
		name string
		a, b func(id, channelID string) func() error
	}{
		{"two polls", func(id, _ string) func() error { return poll(id) }, func(id, _ string) func() error { return poll(id) }},
		{"a poll and the log", func(id, _ string) func() error { return poll(id) }, func(_, ch string) func() error { return feed("c1-"+ch, ch) }},
		{"the log and a poll", func(_, ch string) func() error { return feed("c2-"+ch, ch) }, func(id, _ string) func() error { return poll(id) }},
		{"the log twice", func(_, ch string) func() error { return feed("c3-"+ch, ch) }, func(_, ch string) func() error { return feed("c4-"+ch, ch) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := markedUnknown(t, st, 100+i)
			id, ch := got[0].ID, got[0].ChannelID
			hold, err := st.DB().Beginx()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := hold.Exec(`SELECT 1 FROM shipments WHERE id = $1 FOR UPDATE`, id); err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 2)
			go func() { errs <- tc.a(id, ch)() }()
			storetest.WaitLocked(t, st, 1, nil)
			go func() { errs <- tc.b(id, ch)() }()
			storetest.WaitLocked(t, st, 2, nil)
			if err := hold.Rollback(); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				select {
				case err := <-errs:
					if err != nil {
						t.Errorf("a clearer failed: %v", describe(err))
					}
				case <-time.After(30 * time.Second):
					t.Fatal("the two transactions did not finish")
				}
			}
			if evs := knownEvents(t, st, id); len(evs) != 1 || marked(t, st, id) {
				t.Errorf("%d known_to_channel events, marked %v; want exactly one, the mark gone", len(evs), marked(t, st, id))
			}
		})
	}
}

// TestPollChangeClearsLateMarkWithEvent: a mark set after the claim (by
// another worker whose lease-expired poll found the letter unknown) that
// this poll's answer clears gets its known_to_channel event also when the
// answer changes the letter's state or only its raw status: every
// statement that clears the mark writes the event, so no mark goes
// silently.
func TestPollChangeClearsLateMarkWithEvent(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := markedUnknown(t, st, 95, 96)
	changed, status, since := got[0].ID, got[1].ID, markedSince
	at := since.Add(time.Hour)
	rc := knownResult(changed, since, at)
	rc.Due.UnknownSince, rc.State, rc.Status = nil, model.StateAccepted, "MEMO_SEND_RECEIVED" // claimed before the mark
	rs := knownResult(status, since, at)
	rs.Due.UnknownSince, rs.Status = nil, "SOME_NEW_STATUS" // the state kept, the raw status new
	if _, err := st.ApplyPoll(ctx, []store.PollResult{rc, rs}); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{"a state change": changed, "a status change": status} {
		if evs := knownEvents(t, st, id); len(evs) != 1 || marked(t, st, id) {
			t.Errorf("%s clearing a mark set after the claim: %d known_to_channel events, marked %v; want one, the mark gone",
				name, len(evs), marked(t, st, id))
		}
	}
}
