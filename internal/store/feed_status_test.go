package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestApplyFeedStatusWithinState: a log entry that keeps the letter's
// state is its channel status from then on, as a polled channel's status
// that keeps the state is: a delayed send's log reads MEMO_SEND_RECEIVED,
// then DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY (both accepted), and the
// escalation holds the letter by that status (channel.Spec.Scheduled);
// left at MEMO_SEND_RECEIVED it was reminded and printed before its
// delivery. An entry older than the status it would replace (one that
// shows late in the log) leaves it.
func TestApplyFeedStatusWithinState(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	a := storetest.Register(t, st, danish(21))[0]
	t0 := time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC)
	status := func(want string, since time.Time) {
		t.Helper()
		sh, err := st.Shipment(ctx, a.ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.State != model.StateAccepted || sh.ChannelStatus != want || !sh.StateChangedAt.Equal(since) {
			t.Errorf("%s %s since %s, want accepted %s since %s", sh.State, sh.ChannelStatus, sh.StateChangedAt, want, since)
		}
	}
	apply := func(entries ...store.FeedEntry) {
		t.Helper()
		if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: t0, Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
	apply(entry("s1", a.ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, "", t0),
		entry("s2", a.ChannelID, "DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY", model.StateAccepted, "", t0.Add(time.Minute)))
	status("DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY", t0)
	apply(entry("s3", a.ChannelID, "DELAYED_MEMO_SEND_SENT", model.StateAccepted, "", t0.Add(48*time.Hour)))
	status("DELAYED_MEMO_SEND_SENT", t0)
	// Late in the log: an entry of the same state before the status's time.
	apply(entry("s4", a.ChannelID, "MEMO_SEND_VALIDATED", model.StateAccepted, "", t0.Add(2*time.Minute)))
	status("DELAYED_MEMO_SEND_SENT", t0)
	// An entry of no state (kept as evidence) moves no status.
	apply(entry("s5", a.ChannelID, "SIM_UNDOCUMENTED_EVENT", "", "", t0.Add(49*time.Hour)))
	status("DELAYED_MEMO_SEND_SENT", t0)
}
