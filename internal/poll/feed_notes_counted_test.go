package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The counted-entry tests: the log counts an entry (totalElements) that it
// does not give yet, and the cursor must not pass it.

// TestFeedNotesCountedEntryHoldsTheCursor: the log counts an entry it does
// not give yet (the notes: lists are only eventually consistent), on its
// last page, so no page comes back empty or short: only the count says
// that something is missing, not where. The pages read around it moved
// the cursor as they were written, past the missing entry, and the gap was
// "held" at the window's start while the cursor stood beyond it. The
// entry, a MESSAGE_READ stored 40 minutes before the cycle and given 40
// minutes after it, lay before every later window (the overlap reaches 10
// minutes back), and the letter stayed unread until the daily re-read.
// Now the cursor moves when the read ends, up to the last entry before a
// gap, and a gap without a place holds it at the window's start: the
// cycles in the gap's hour read the window again, and the one after the
// log gives the entry opens the letter. The gap is one poll error, not one
// per cycle.
func TestFeedNotesCountedEntryHoldsTheCursor(t *testing.T) {
	var others []time.Duration // other senders' letters, every 3 minutes
	for ago := 54; ago >= 0; ago -= 3 {
		others = append(others, time.Duration(ago)*time.Minute)
	}
	w := newCountedWorld(t, others...)
	ctx := context.Background()
	dp := w.log.client(t, 100)
	p := notesPoller(w.st, w.time)
	w.cycles(t, func(clock time.Time) {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
		if s := notesStates(t, w.st.DB()); s[notesLetterID(1)] != model.StateOpened {
			t.Fatalf("cycle at %s: letter 1, given by the log, is %s, want opened", clock, s[notesLetterID(1)])
		}
		if cursor, _, err := w.st.FeedCursor(ctx, "digitalpost"); err != nil || clock.Before(w.given) && !cursor.Before(w.read0) {
			t.Fatalf("cycle at %s: the cursor stands at %s (%v), past the entry the log counted and did not give (%s)", clock, cursor, err, w.read0)
		}
	})
	if s := notesStates(t, w.st.DB()); s[notesLetterID(0)] != model.StateOpened {
		t.Errorf("letter 0 is %s, want opened: its MESSAGE_READ, counted by the log and given 40 minutes later, was passed by the cursor", s[notesLetterID(0)])
	}
	var gaps int
	if err := w.st.DB().Get(&gaps, `SELECT count(*) FROM poll_errors WHERE channel = 'digitalpost' AND error LIKE '%announced%'`); err != nil || gaps != 1 {
		t.Errorf("%d poll errors for the one gap (%v), want 1", gaps, err)
	}
	if cursor, _, err := w.st.FeedCursor(ctx, "digitalpost"); err != nil || !cursor.Equal(w.start) {
		t.Errorf("the cursor stands at %s (%v) once the log gave every entry, want at the latest entry %s", cursor, err, w.start)
	}
}

// TestFeedNotesCountedEntryReadStoppedMidway: the log counts a
// MESSAGE_READ it does not give yet (the notes: lists are only eventually
// consistent) on the read's first page, which then comes back with fewer
// entries than asked; the first page sets the log's page size, so no later
// page is short, and only the count, at the read's end, says that an entry
// is missing. The read stops midway: a 503 from a later page on, or the soft
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
	// Pages of two: [other-45, read-0 (counted, not given)], [other-30,
	// other-20], [other-15, other-12], [read-1].
	w := newCountedWorld(t, 45*time.Minute, 30*time.Minute, 20*time.Minute, 15*time.Minute, 12*time.Minute)
	st, l, read0, mu := w.st, w.log, w.read0, &w.mu
	ctx := context.Background()
	dp := l.client(t, 2)
	p := notesPoller(st, w.time)

	// The first cycle stops after the second page.
	stopped := false
	switch how {
	case "503":
		// From page 2 on, every request of the cycle (a 503 on one page
		// alone is read entry by entry, and the read goes on).
		l.fail = func(w http.ResponseWriter, page int) bool {
			if page == 2 {
				stopped = true
			}
			if stopped {
				http.Error(w, `{"error":"Service Unavailable"}`, http.StatusServiceUnavailable)
			}
			return stopped
		}
		if _, err := p.Poll(ctx, dp); err == nil {
			t.Fatal("the cycle whose read failed midway did not fail")
		}
		l.fail = nil
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
	w.set(w.start.Add(15 * time.Minute))
	w.cycles(t, func(clock time.Time) {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
	})
	s := notesStates(t, st.DB())
	if s[notesLetterID(1)] != model.StateOpened {
		t.Errorf("letter 1 is %s, want opened", s[notesLetterID(1)])
	}
	if s[notesLetterID(0)] != model.StateOpened {
		t.Errorf("letter 0 is %s, want opened: its MESSAGE_READ, counted by the log and given 40 minutes later, was passed by the cursor a read stopped midway moved",
			s[notesLetterID(0)])
	}
}

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
	// Pages of two: [other-45, read-0 (counted, not given)], [other-30,
	// other-20], [other-15, other-12 (both indexing: an empty page)], [read-1].
	w := newCountedWorld(t, 45*time.Minute, 30*time.Minute, 20*time.Minute, 15*time.Minute, 12*time.Minute)
	ctx := context.Background()
	var indexing atomic.Int32 // the two entries of page 2 are left out of its first two answers
	indexing.Store(2)
	w.indexing = func(raw string) bool {
		if !strings.Contains(raw, `"id":"other-114500"`) && !strings.Contains(raw, `"id":"other-114800"`) {
			return false
		}
		if strings.Contains(raw, "114800") {
			return indexing.Add(-1) >= 0
		}
		return indexing.Load() > 0
	}
	dp := w.log.client(t, 2)
	p := notesPoller(w.st, w.time)
	w.cycles(t, func(clock time.Time) {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
		if cursor, _, err := w.st.FeedCursor(ctx, "digitalpost"); err != nil || clock.Before(w.given) && !cursor.Before(w.read0.Add(dp.Overlap())) {
			t.Fatalf("cycle at %s: the cursor stands at %s (%v): the next read starts past the entry the log counted and did not give (%s)",
				clock, cursor, err, w.read0)
		}
	})
	if s := notesStates(t, w.st.DB()); s[notesLetterID(0)] != model.StateOpened {
		t.Errorf("letter 0 is %s, want opened", s[notesLetterID(0)])
	}
}

// countedWorld is the log of the counted-entry tests: two Digital Post
// letters made available hours ago, read whole, the cursor an hour back
// (availableLetters); other senders' entries; letter 0's MESSAGE_READ
// (read-0), stored 40 minutes before start, which the log counts but gives
// only from given on (the notes: lists are only eventually consistent); and
// letter 1's (read-1), stored 10 minutes before start. Its clock stands at
// start until set.
type countedWorld struct {
	st                         *store.Store
	log                        *notesLog
	start, given, read0, read1 time.Time
	// indexing, when set, says which other entries the log counts and
	// does not give yet (asked before read-0's rule).
	indexing func(raw string) bool

	mu    sync.Mutex
	clock time.Time
}

// newCountedWorld makes the world, with other senders' entries stored
// each of others before start.
func newCountedWorld(t *testing.T, others ...time.Duration) *countedWorld {
	t.Helper()
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	w := &countedWorld{st: storetest.Open(t), log: &notesLog{}, start: start, given: start.Add(40 * time.Minute),
		read0: start.Add(-40 * time.Minute), read1: start.Add(-10 * time.Minute), clock: start}
	availableLetters(t, w.st, start.Add(-5*time.Hour), start.Add(-time.Hour))
	for _, ago := range others {
		at := start.Add(-ago)
		w.log.add(at, notesRaw("other-"+at.Format("150405"), "MEMO_SEND_RECEIVED", notesLetterID(900), notesTime(at), notesTime(at)))
	}
	w.log.add(w.read0, notesRaw("read-0", "MESSAGE_READ", notesLetterID(0), notesTime(w.read0), notesTime(w.read0)))
	w.log.add(w.read1, notesRaw("read-1", "MESSAGE_READ", notesLetterID(1), notesTime(w.read1), notesTime(w.read1)))
	w.log.now = w.time
	w.log.pending = func(raw string) bool {
		if w.indexing != nil && w.indexing(raw) {
			return true
		}
		return strings.Contains(raw, `"id":"read-0"`) && w.time().Before(w.given)
	}
	return w
}

// time is the world's clock, for the log and the poller.
func (w *countedWorld) time() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.clock
}

func (w *countedWorld) set(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clock = t
}

// cycles runs cycle at every quarter of an hour from the clock's time up
// to an hour after start, the clock set to each.
func (w *countedWorld) cycles(t *testing.T, cycle func(clock time.Time)) {
	t.Helper()
	for clock := w.time(); !clock.After(w.start.Add(time.Hour)); clock = clock.Add(15 * time.Minute) {
		w.set(clock)
		cycle(clock)
	}
}

// TestFeedNotesUnregisteredCountedOnce: a log entry about a letter
// postvakt does not watch (a municipality registers its confidential
// letters; the log lists all) is counted once, by the cycle that first
// reads it, not again by each cycle whose overlap reads it anew: the count
// (the log line, postvakt_poll_results{kind="unregistered"}) says how many
// such entries the log had, not how often the overlap was read.
func TestFeedNotesUnregisteredCountedOnce(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	notesLetters(t, st, 1, now.Add(-2*time.Hour)) // letter 0 watched; 7, 8 and 9 not
	l := &notesLog{}
	for i, at := range []time.Time{now.Add(-3 * time.Minute), now.Add(-2 * time.Minute)} {
		l.add(at, notesRaw("other-"+string(rune('a'+i)), "MEMO_AVAILABLE_TO_RECIPIENT", notesLetterID(7+i), notesTime(at), notesTime(at)))
	}
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, 100)
	if dp.Overlap() < 5*time.Minute {
		t.Fatalf("the overlap %s does not reach back over the entries; the test needs it to", dp.Overlap())
	}
	p := notesPoller(st, func() time.Time { return clock })
	for _, step := range []struct {
		after time.Duration
		add   bool // an entry about another unwatched letter before the cycle
		want  int
	}{{0, false, 2}, {time.Minute, false, 0}, {2 * time.Minute, true, 1}, {3 * time.Minute, false, 0}} {
		clock = now.Add(step.after)
		if step.add {
			at := clock.Add(-30 * time.Second)
			l.add(at, notesRaw("other-c", "MEMO_AVAILABLE_TO_RECIPIENT", notesLetterID(9), notesTime(at), notesTime(at)))
		}
		sum, err := p.Poll(ctx, dp)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Unregistered != step.want {
			t.Errorf("the cycle at +%s counted %d entries about letters postvakt does not know, want %d (the overlap read %d)",
				step.after, sum.Unregistered, step.want, sum.Polled)
		}
	}
}
