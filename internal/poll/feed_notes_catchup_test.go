package poll_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestFeedNotesGapHoldsTheCursorInACatchUp: the poller was stopped for 30
// hours, so the next cycle reads the log in two windows. The log counts a
// MESSAGE_READ in the first window but does not give it yet (the notes:
// lists are only eventually consistent): a gap reading on cannot close.
// It holds the cursor for GapPatience in a catch-up too: the second
// window's entries are written (its letter opened) without moving the
// cursor past the gap, and the next cycle, once the log gives the entry,
// opens the first letter. Moving the cursor with the second window lost
// the entry for good: the daily re-read reaches 48 hours back from a day
// later, not 29 hours before this cycle. A gap that stays holds the cursor
// for GapPatience only, then the cursor moves on.
func TestFeedNotesGapHoldsTheCursorInACatchUp(t *testing.T) {
	for _, stays := range []bool{false, true} {
		name := "the log gives the entry later"
		if stays {
			name = "a gap that stays"
		}
		t.Run(name, func(t *testing.T) { gapInACatchUp(t, stays) })
	}
}

func gapInACatchUp(t *testing.T, stays bool) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	// Both letters available before the pause, read whole, the cursor at
	// the pause's start.
	availableLetters(t, st, now.Add(-40*time.Hour), now.Add(-30*time.Hour))
	l := &notesLog{}
	read0, read1 := now.Add(-29*time.Hour), now.Add(-time.Hour)
	l.add(read0, notesRaw("read-0", "MESSAGE_READ", notesLetterID(0), notesTime(read0), notesTime(read0)))
	l.add(read1, notesRaw("read-1", "MESSAGE_READ", notesLetterID(1), notesTime(read1), notesTime(read1)))
	var indexing atomic.Bool
	indexing.Store(true)
	l.pending = func(raw string) bool { return indexing.Load() && strings.Contains(raw, `"id":"read-0"`) }
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, 100)
	p := notesPoller(st, func() time.Time { return clock })
	if _, err := p.Poll(ctx, dp); err != nil {
		t.Fatalf("a catch-up with a gap failed the cycle: %v", err)
	}
	if s := notesStates(t, st.DB()); s[notesLetterID(1)] != model.StateOpened {
		t.Errorf("letter 1, read after the gap, is %s: want opened in the same cycle", s[notesLetterID(1)])
	}
	if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || !cursor.Before(read0.Add(dp.Overlap())) {
		t.Errorf("the cursor stands at %s (%v): the next read starts past the gap before %s", cursor, err, read0)
	}
	if stays {
		// Cycles later, past GapPatience: the cursor moves on, to the
		// latest entry read.
		for _, d := range []time.Duration{5 * time.Minute, 2 * time.Hour} {
			clock = now.Add(d)
			if _, err := p.Poll(ctx, dp); err != nil {
				t.Fatal(err)
			}
		}
		if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || !cursor.Equal(read1) {
			t.Errorf("the cursor stands at %s (%v) after the gap's patience, want at the latest entry %s", cursor, err, read1)
		}
		return
	}
	// The log gives the entry now; the next cycle reads it.
	indexing.Store(false)
	clock = now.Add(5 * time.Minute)
	if _, err := p.Poll(ctx, dp); err != nil {
		t.Fatal(err)
	}
	for id, s := range notesStates(t, st.DB()) {
		if s != model.StateOpened {
			t.Errorf("letter %s is %s, want opened: the entry in the gap was passed by the cursor", id, s)
		}
	}
}

// availableLetters registers two Digital Post letters sent at sent, both
// made available an hour later, read whole, and the feed's cursor at
// cursor.
func availableLetters(t *testing.T, st *store.Store, sent, cursor time.Time) {
	t.Helper()
	var entries []store.FeedEntry
	var ids []string
	for i, s := range notesLetters(t, st, 2, sent) {
		entries = append(entries, store.FeedEntry{ID: "av-" + s.ChannelID, ChannelID: s.ChannelID, Tag: "MEMO_AVAILABLE_TO_RECIPIENT",
			State: model.StateAvailable, At: sent.Add(time.Hour).Add(time.Duration(i) * time.Minute), Payload: []byte(`{}`)})
		ids = append(ids, s.ID)
	}
	if _, err := st.ApplyFeed(context.Background(), store.FeedApply{Channel: "digitalpost", Entries: entries, Synced: ids, Cursor: cursor}); err != nil {
		t.Fatal(err)
	}
}
