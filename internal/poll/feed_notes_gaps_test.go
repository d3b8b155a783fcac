package poll_test

import (
	"context"
	"fmt"
	"net/http"
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

// TestFeedNotesDepthCap: a log that pages only so deep (a search index's
// result window: from + size at most 20 entries here) and refuses a page
// past it with a 400, or a 500 (a service that passes its index's refusal
// on as its own failure), rather than an empty page. The read ends with a
// gap after the last entry it gave and reads on from there, so every
// letter is opened; the read failed, the cursor stayed at the window's
// start, and every cycle failed on the same page: the letters read past
// the cap stayed unread (reminded and printed).
func TestFeedNotesDepthCap(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) { feedNotesDepthCap(t, status) })
	}
}

func feedNotesDepthCap(t *testing.T, status int) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	const n, size, depth = 30, 10, 20
	notesLetters(t, st, n, now.Add(-3*time.Hour))
	l := &notesLog{}
	l.addReads(now, n) // a letter read every two minutes over the last hour
	refused := 0
	l.fail = func(w http.ResponseWriter, page int) bool {
		if (page+1)*size <= depth {
			return false
		}
		refused++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%d,"error":"Result window is too large, from + size must be less than or equal to: [%d]"}`, status, depth)
		return true
	}
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, size)
	p := notesPoller(st, func() time.Time { return clock })
	for range 3 {
		_, _ = p.Poll(ctx, dp)
		clock = clock.Add(15 * time.Minute)
	}
	if refused == 0 {
		t.Fatal("the log never refused a page")
	}
	if unread := notesUnopened(t, st.DB()); len(unread) > 0 {
		t.Errorf("%d of %d letters read past the log's depth are not opened: %v", len(unread), n, unread)
	}
}

// TestFeedNotesEntryTheLogFailsOn: a log that answers 500 to every page
// holding one entry (its serializer failing on that entry) and serves the
// others. That entry is one unreadable entry, a poll error, and every
// other letter read is opened. Before, every cycle failed on the page
// holding it, and reading on from the entries before it failed on its
// first page: the letters read after it stayed unread (reminded and
// printed), for good.
func TestFeedNotesEntryTheLogFailsOn(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	const n, size, bad = 30, 10, 12
	notesLetters(t, st, n, now.Add(-3*time.Hour))
	l := &notesLog{}
	l.addReads(now, n) // a letter read every two minutes over the last hour
	l.failsOn = func(raw string) bool { return strings.Contains(raw, `"read-12"`) }
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, size)
	p := notesPoller(st, func() time.Time { return clock })
	for range 3 {
		_, _ = p.Poll(ctx, dp)
		clock = clock.Add(15 * time.Minute)
	}
	unread := notesUnopened(t, st.DB())
	if len(unread) != 1 || unread[0] != notesLetterID(bad) {
		t.Errorf("letters not opened: %v; want only %s, whose entry the log fails on", unread, notesLetterID(bad))
	}
	var errs []string
	if err := st.DB().Select(&errs, `SELECT error FROM poll_errors WHERE channel = 'digitalpost'`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(errs, "\n"), "failed on this entry alone") {
		t.Errorf("poll errors %q: want the entry the log failed on", errs)
	}
}
