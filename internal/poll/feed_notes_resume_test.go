package poll_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/storetest"
)

// TestFeedNotesCountedEntryBeforeAPlacedGap: the log counts a MESSAGE_READ
// it does not give yet on the read's first page (which then sets the
// log's page size, so it is not short), and a later page comes back empty
// (entries still being indexed): a gap with a place. The count says more
// is missing than the empty page holds, but the adapter reports only the
// placed gap (GapError.After), so the poller moves the cursor to the last
// entry before it (past the counted entry, further than the overlap
// reaches) and reads on from there: the counted entry, given 40 minutes
// later, lies before every later window, and the letter stays unread until
// the daily re-read.
func TestFeedNotesCountedEntryBeforeAPlacedGap(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	availableLetters(t, st, now.Add(-5*time.Hour), now.Add(-time.Hour))
	l := &notesLog{}
	read0, read1 := now.Add(-40*time.Minute), now.Add(-10*time.Minute)
	// Pages of two: [other-45, read-0 (counted, not given)], [other-30,
	// other-20], [other-15, other-12 (both indexing: an empty page)], [read-1].
	for _, ago := range []time.Duration{45, 30, 20, 15, 12} {
		at := now.Add(-ago * time.Minute)
		l.add(at, notesRaw("other-"+at.Format("150405"), "MEMO_SEND_RECEIVED", notesLetterID(900), notesTime(at), notesTime(at)))
	}
	l.add(read0, notesRaw("read-0", "MESSAGE_READ", notesLetterID(0), notesTime(read0), notesTime(read0)))
	l.add(read1, notesRaw("read-1", "MESSAGE_READ", notesLetterID(1), notesTime(read1), notesTime(read1)))
	clock := now
	var mu sync.Mutex
	l.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	indexing := 2 // the two entries of page 2 are left out of its first two answers
	l.pending = func(raw string) bool {
		if strings.Contains(raw, `"id":"other-114500"`) || strings.Contains(raw, `"id":"other-114800"`) {
			mu.Lock()
			defer mu.Unlock()
			if indexing > 0 {
				if strings.Contains(raw, "114800") {
					indexing--
				}
				return true
			}
			return false
		}
		return strings.Contains(raw, `"id":"read-0"`) && l.now().Before(now.Add(40*time.Minute))
	}
	dp := l.client(t, 2)
	p := notesPoller(st, l.now)
	for ; !clock.After(now.Add(time.Hour)); clock = clock.Add(15 * time.Minute) {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
		if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || clock.Before(now.Add(40*time.Minute)) && !cursor.Before(read0.Add(dp.Overlap())) {
			t.Fatalf("cycle at %s: the cursor stands at %s (%v): the next read starts past the entry the log counted and did not give (%s)",
				clock, cursor, err, read0)
		}
	}
	if s := notesStates(t, st.DB()); s[notesLetterID(0)] != model.StateOpened {
		t.Errorf("letter 0 is %s, want opened", s[notesLetterID(0)])
	}
}
