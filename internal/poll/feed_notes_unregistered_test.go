package poll_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

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
