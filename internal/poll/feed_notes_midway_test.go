package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/storetest"
)

// TestFeedNotesCountedEntryReadStoppedMidway: the log counts a
// MESSAGE_READ it does not give yet (the notes: lists are only eventually
// consistent) on the read's first page, which then comes back with fewer
// entries than asked; the first page sets the log's page size, so no later
// page is short, and only the count, at the read's end, says that an entry
// is missing. The read stops midway: a 503 on a later page, or the soft
// stop (a deploy) between two pages. It never learns of the gap, and
// moving the cursor to the latest entry written (as a read whole does)
// put it past the missing entry, further than the overlap reaches: once
// the log gave it, no window read it, and the letter stayed unread until
// the daily re-read (reminded or printed meanwhile). A read stopped
// midway must leave the cursor where it stood: the next cycle reads the
// window again (each entry is kept once) and sees the gap.
func TestFeedNotesCountedEntryReadStoppedMidway(t *testing.T) {
	for _, how := range []string{"503", "soft stop"} {
		t.Run(how, func(t *testing.T) { countedEntryStoppedMidway(t, how) })
	}
}

func countedEntryStoppedMidway(t *testing.T, how string) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	availableLetters(t, st, now.Add(-5*time.Hour), now.Add(-time.Hour))
	l := &notesLog{}
	read0, read1 := now.Add(-40*time.Minute), now.Add(-10*time.Minute)
	// Pages of two: [other-45, read-0 (counted, not given)], [other-30,
	// other-20], [other-15, other-12], [read-1].
	for _, ago := range []time.Duration{45, 30, 20, 15, 12} {
		at := now.Add(-ago * time.Minute)
		l.add(at, notesRaw("other-"+at.Format("150405"), "MEMO_SEND_RECEIVED", notesLetterID(900), notesTime(at), notesTime(at)))
	}
	l.add(read0, notesRaw("read-0", "MESSAGE_READ", notesLetterID(0), notesTime(read0), notesTime(read0)))
	l.add(read1, notesRaw("read-1", "MESSAGE_READ", notesLetterID(1), notesTime(read1), notesTime(read1)))
	clock := now
	var mu sync.Mutex
	l.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	l.pending = func(raw string) bool {
		return strings.Contains(raw, `"id":"read-0"`) && l.now().Before(now.Add(40*time.Minute))
	}
	dp := l.client(t, 2)
	p := notesPoller(st, l.now)

	// The first cycle stops after the second page.
	stopped := false
	switch how {
	case "503":
		l.fail = func(w http.ResponseWriter, page int) bool {
			if page == 2 && !stopped {
				stopped = true
				http.Error(w, `{"error":"Service Unavailable"}`, http.StatusServiceUnavailable)
				return true
			}
			return false
		}
		if _, err := p.Poll(ctx, dp); err == nil {
			t.Fatal("the cycle whose read failed midway did not fail")
		}
	case "soft stop":
		s := jobs.New(slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), nil)
		var jobCtx context.Context
		ran := make(chan error, 1)
		started := make(chan struct{})
		if err := s.Every("@every 1s", "poll digitalpost", func(ctx context.Context) error {
			mu.Lock()
			first := jobCtx == nil
			if first {
				jobCtx = ctx
			}
			mu.Unlock()
			if !first {
				return nil
			}
			close(started)
			_, err := p.Poll(ctx, dp)
			ran <- err
			return err
		}); err != nil {
			t.Fatal(err)
		}
		l.fail = func(_ http.ResponseWriter, page int) bool {
			if page == 1 && !stopped {
				stopped = true
				mu.Lock()
				jc := jobCtx
				mu.Unlock()
				go s.Stop(time.Minute)
				<-jobs.DrainingCh(jc) // the soft stop comes while page 1 is on its way
			}
			return false
		}
		s.Start()
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("the scheduled cycle never ran")
		}
		if err := <-ran; err != nil {
			t.Fatalf("the cycle stopped softly: %v", err)
		}
		l.fail = nil
	}
	if !stopped {
		t.Fatal("the read was never stopped midway")
	}
	if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || !cursor.Before(read0.Add(dp.Overlap())) {
		t.Errorf("after the read stopped midway the cursor stands at %s (%v): the next read starts past the entry the log counted and did not give (%s)",
			cursor, err, read0)
	}
	// Cycles every quarter of an hour; the log gives the entry from 40
	// minutes on.
	for clock = now.Add(15 * time.Minute); !clock.After(now.Add(time.Hour)); clock = clock.Add(15 * time.Minute) {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
	}
	s := notesStates(t, st.DB())
	if s[notesLetterID(1)] != model.StateOpened {
		t.Errorf("letter 1 is %s, want opened", s[notesLetterID(1)])
	}
	if s[notesLetterID(0)] != model.StateOpened {
		t.Errorf("letter 0 is %s, want opened: its MESSAGE_READ, counted by the log and given 40 minutes later, was passed by the cursor a read stopped midway moved",
			s[notesLetterID(0)])
	}
}
