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

func danish(i int) model.NewShipment {
	return model.NewShipment{Channel: "digitalpost", ChannelID: fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i),
		SenderOrg: "64942212", SenderUnit: "Socialforvaltningen", RecipientKind: "person", RecipientID: "0101801234",
		Title: "Afgørelse", Confidential: true, Class: "fortrolig", SentAt: time.Date(2026, 11, 20, 10, 0, i, 0, time.UTC)}
}

func entry(id, channelID, tag string, state model.State, closed string, at time.Time) store.FeedEntry {
	return store.FeedEntry{ID: id, ChannelID: channelID, Tag: tag, State: state, Closed: closed, At: at,
		Payload: []byte(fmt.Sprintf(`{"id":%q,"eventTag":%q}`, id, tag))}
}

// TestApplyFeed: entries become evidence once, the state moves forward
// only, a late entry is evidence that moves nothing (available_at still
// takes its earlier time), the channel's own print and a recall close
// escalation, unknown letters are counted, the cursor never goes back.
func TestApplyFeed(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := storetest.Register(t, st, danish(1), danish(2), danish(3))
	a, b, c := got[0], got[1], got[2]
	t0 := time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC)
	cursor := t0.Add(time.Hour)
	w, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: cursor, Entries: []store.FeedEntry{
		entry("e1", a.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t0),
		entry("e2", a.ChannelID, "MESSAGE_READ", model.StateOpened, "", t0.Add(3*time.Hour)),
		entry("e2", a.ChannelID, "MESSAGE_READ", model.StateOpened, "", t0.Add(3*time.Hour)), // listed twice
		entry("e3", b.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", t0.Add(time.Minute)),
		entry("e4", b.ChannelID, "UNOPENED_MAIL_SENT_AS_PHYSICAL_POST", "", "channel_print", t0.Add(48*time.Hour)),
		entry("e5", c.ChannelID, "MEMO_SEND_RECALLED", "", "closed", t0.Add(time.Minute)),
		entry("e6", c.ChannelID, "SIM_UNDOCUMENTED_EVENT", "", "", t0.Add(2*time.Minute)),
		entry("e7", "99999999-1f2a-4b3c-8d4e-000000000000", "MESSAGE_READ", model.StateOpened, "", t0),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if w.Events != 6 || w.Repeats != 1 || w.Unregistered != 1 || w.Changed != 2 || w.Closed != 2 {
		t.Fatalf("first write %+v, want 6 events, 1 repeat, 1 unregistered, 2 changes, 2 closed", w)
	}
	// The same entries again (an overlapping window), and a late
	// MEMO_AVAILABLE_TO_RECIPIENT for the letter already read.
	w, err = st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: t0, Entries: []store.FeedEntry{
		entry("e1", a.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t0),
		entry("e8", a.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", t0.Add(time.Minute)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if w.Events != 1 || w.Repeats != 1 || w.Changed != 0 || w.Behind != 1 {
		t.Fatalf("second write %+v, want 1 event, 1 repeat, 0 changes, 1 behind", w)
	}
	sa, err := st.Shipment(ctx, a.ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if sa.State != model.StateOpened || sa.AvailableAt == nil || !sa.AvailableAt.Equal(t0.Add(time.Minute)) ||
		!sa.StateChangedAt.Equal(t0.Add(3*time.Hour)) || sa.ChannelStatus != "MESSAGE_READ" {
		t.Errorf("letter a: state %s since %s, available %v, status %s", sa.State, sa.StateChangedAt, sa.AvailableAt, sa.ChannelStatus)
	}
	kinds := map[string]int{}
	for _, e := range sa.Events {
		kinds[e.Kind]++
		if e.Kind == store.EventChannel && e.Source != "digitalpost" {
			t.Errorf("channel event from %q", e.Source)
		}
	}
	if kinds[store.EventChannel] != 3 || kinds[store.EventState] != 2 {
		t.Errorf("letter a's evidence %v, want 3 log entries and 2 state changes", kinds)
	}
	sb, _ := st.Shipment(ctx, b.ID, store.Scope{})
	sc, _ := st.Shipment(ctx, c.ID, store.Scope{})
	if sb.State != model.StateAvailable || sb.Stage != "channel_print" || sc.Stage != "closed" || sc.State != model.StateRegistered {
		t.Errorf("b: %s/%s, c: %s/%s; want available/channel_print and registered/closed", sb.State, sb.Stage, sc.State, sc.Stage)
	}
	got2, ok, err := st.FeedCursor(ctx, "digitalpost")
	if err != nil || !ok || !got2.Equal(cursor) {
		t.Errorf("cursor %s %v %v, want %s (never moved back)", got2, ok, err, cursor)
	}
	if _, ok, _ := st.FeedCursor(ctx, "other"); ok {
		t.Error("a cursor for a channel never read")
	}
	// Synced clears the back-fill mark.
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Synced: []string{a.ID}}); err != nil {
		t.Fatal(err)
	}
	sa, _ = st.Shipment(ctx, a.ID, store.Scope{})
	sb, _ = st.Shipment(ctx, b.ID, store.Scope{})
	if sa.NextPollAt != nil || sb.NextPollAt == nil {
		t.Errorf("next poll a %v (want none), b %v (want set)", sa.NextPollAt, sb.NextPollAt)
	}
	first, ok, err := st.EarliestSent(ctx, "digitalpost")
	if err != nil || !ok || !first.Equal(danish(1).SentAt) {
		t.Errorf("earliest sent %s %v %v", first, ok, err)
	}
}

// TestUnstorablePayloadKeepsTheStateChange: an entry whose payload
// holds a number jsonb cannot hold (anywhere but eventTime, which
// timeEvidence drops) is kept by the fallback with its payload as base64
// (RawEnvelope): the letter's MESSAGE_READ and its evidence are not lost.
func TestUnstorablePayloadKeepsTheStateChange(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := storetest.Register(t, st, danish(1))
	a := got[0]
	t0 := time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC)
	e := entry("e1", a.ChannelID, "MESSAGE_READ", model.StateOpened, "", t0)
	e.Payload = []byte(`{"id":"e1","eventTag":"MESSAGE_READ","eventTime":1e-20000}`)
	w, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: t0, Entries: []store.FeedEntry{e}})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := st.Shipment(ctx, a.ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("refused=%d state=%s", len(w.Refused), sa.State)
	for _, r := range w.Refused {
		t.Logf("  %v", r.Err)
	}
	if sa.State != model.StateOpened {
		t.Errorf("the letter was read (MESSAGE_READ) but stays %s: only its payload was unstorable", sa.State)
	}
}
