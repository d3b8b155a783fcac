package poll_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/poll"
)

// TestDPFutureEntryNotTheChannelsLastChange: an entry whose eventTime lies
// a year ahead (a producer's typo; created is now) is taken at its created
// time, and so is the channel's last change on the operations page and in
// the health rules (channel_activity.last_change_at). Taken at the
// eventTime, the last change stood a year ahead and, kept as the greatest
// seen, stayed there: channel_silent, which counts the letters sent after
// the channel's last change, found none for a year while the log went
// silent, and the stuck rules counted every letter as sent before it. An
// entry the log stored ahead of our clock (created too) is no change yet.
func TestDPFutureEntryNotTheChannelsLastChange(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Minute)
	l := &dpLog{}
	w := newRevWorld(t, l, 0, start)
	w.p = poll.New(w.st, slog.New(slog.DiscardHandler), poll.Options{Now: w.now, Activity: w.st})
	letter := dpLetter(0)
	w.register(t, 1, start)
	l.add("fut-0", "MEMO_SEND_RECEIVED", letter, start)
	read := start.Add(5 * time.Minute)
	l.addRaw(dpEntry{created: read, letter: letter, id: "fut-1", tag: "MESSAGE_READ",
		raw: dpRaw("fut-1", "MESSAGE_READ", letter, start.AddDate(1, 0, 0), read)})
	w.advance(10 * time.Minute)
	if _, err := w.p.Poll(context.Background(), w.dp); err != nil {
		t.Fatal(err)
	}
	var last time.Time
	if err := w.st.DB().Get(&last, `SELECT last_change_at FROM channel_activity WHERE channel = 'digitalpost'`); err != nil {
		t.Fatal(err)
	}
	if !last.Equal(read) {
		t.Errorf("the channel's last change is %s, want %s (the entry's created time)", last.UTC(), read)
	}
	if got := notesStates(t, w.st.DB()); got[letter] != model.StateOpened {
		t.Errorf("the letter is %s, want opened", got[letter])
	}
}
