package poll_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

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
