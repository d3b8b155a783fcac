package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// lookupLog is exclusiveLog whose look-ups (Status) give a letter's whole
// log, as the adapter's messageUUID look-up does.
type lookupLog struct{ exclusiveLog }

func (l *lookupLog) Status(_ context.Context, ids []string) ([]channel.Observation, error) {
	out := make([]channel.Observation, len(ids))
	for i, id := range ids {
		out[i] = channel.Observation{ChannelID: id}
		for _, e := range l.entries {
			if e.ChannelID == id {
				out[i].Events = append(out[i].Events, e)
			}
		}
		if len(out[i].Events) == 0 {
			out[i].Err = channel.ErrNotKnown
		}
	}
	return out, nil
}

// TestDiscoverUntilLeavesLaterEntriesToALookUp (from a review of the
// Digital Post adapter against the notes): `postvakt discover
// --since S --until U` reads the event log over [S, U] only (the log is
// read by windows on created; there is no per-letter status: the notes,
// "There is no per-letter status endpoint for senders"). It called
// Discovered(…, since=S), which marked every letter sent after S read
// whole ("synced": no look-up of its own). A letter sent in [S, U] and
// read by its recipient after U, before the running poller's cursor, then
// never had its MESSAGE_READ read: the window starts at the cursor, the
// re-read reaches 48 h back, the letter is not "unheard" (it has entries).
// It stayed available, and was reminded and printed although read. Now
// only a run that read every window up to now without a gap marks them.
func TestDiscoverUntilLeavesLaterEntriesToALookUp(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Minute).Truncate(time.Second) // registration makes the letter due at the database's now
	since := now.Add(-30 * 24 * time.Hour)                         // --since
	until := now.Add(-20 * 24 * time.Hour)                         // --until

	// The poller has been reading the log for months: its cursor stands a
	// minute ago.
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}

	it := storetest.Letter(0)
	it.Channel, it.ChannelID = "digitalpost", "0b6d3c5e-1f2a-4b3c-8d4e-000000000001"
	it.SentAt = since.Add(time.Hour)
	ev := func(id, tag string, st model.State, at time.Time) channel.FeedEvent {
		return channel.FeedEvent{ID: id, ChannelID: it.ChannelID, Tag: tag, State: st, At: at, Logged: at, Payload: json.RawMessage(`{}`)}
	}
	received := ev("ev-received", "MEMO_SEND_RECEIVED", model.StateAccepted, it.SentAt)
	available := ev("ev-available", "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, it.SentAt.Add(time.Minute))
	read := ev("ev-read", "MESSAGE_READ", model.StateOpened, until.Add(2*24*time.Hour)) // after --until, long before the cursor
	log := &lookupLog{exclusiveLog{entries: []channel.FeedEvent{received, available, read}}}

	// What discover does for one window [since, until]: the adapter's
	// Discover found the letter with the entries of that window, the letter
	// is registered, and Discovered keeps those entries.
	ships := storetest.Register(t, st, it)
	found := []channel.Found{{ChannelID: it.ChannelID, SentAt: it.SentAt, Confidential: true,
		Observation: channel.Observation{ChannelID: it.ChannelID, Events: []channel.FeedEvent{received, available}}}}
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	if _, err := p.Discovered(ctx, log, found, map[string]string{it.ChannelID: ships[0].ID}, since, false); err != nil {
		t.Fatal(err)
	}

	// The poller's next cycles.
	for range 2 {
		if sum, err := p.Poll(ctx, log); err != nil {
			t.Fatalf("poll: %+v %v", sum, err)
		}
		now = now.Add(2 * time.Hour)
	}
	var state string
	if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ships[0].ID); err != nil {
		t.Fatal(err)
	}
	if state != string(model.StateOpened) {
		t.Errorf("letter discovered with --until, read after --until: state %s, want opened (its MESSAGE_READ of %s was never read)",
			state, read.Logged.Format(time.RFC3339))
	}
}
