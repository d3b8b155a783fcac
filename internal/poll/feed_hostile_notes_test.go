package poll_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestHostileFeedThroughThePoller: the Digital Post log of the notes' fake
// (feed_notes_test.go) with what the notes warn of, read by the poller
// over cycles:
//
//   - letter 0: available, read, the reading stored twice (the notes:
//     duplicate status messages), and an available again after it (a
//     status going backwards): opened, its reading kept once;
//   - letter 1: read, its eventTime in epoch microseconds (created
//     plausible): opened, dated by created. (Taken as given, the entry
//     lay tens of thousands of years ahead and was refused for ever.)
//   - letter 2: only an entry of a tag the adapter does not know: kept as
//     evidence, the letter unchanged, no error.
func TestHostileFeedThroughThePoller(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ships := notesLetters(t, st, 3, now.Add(-5*time.Hour))
	l := &notesLog{}
	at := func(d time.Duration) time.Time { return now.Add(-4*time.Hour + d) }
	entry := func(id, tag string, letter int, eventTime string, created time.Time) {
		if eventTime == "" {
			eventTime = notesTime(created)
		}
		l.add(created, notesRaw(id, tag, notesLetterID(letter), eventTime, notesTime(created)))
	}
	entry("av-0", "MEMO_AVAILABLE_TO_RECIPIENT", 0, "", at(0))
	entry("read-0", "MESSAGE_READ", 0, "", at(time.Hour))
	entry("read-0", "MESSAGE_READ", 0, "", at(time.Hour))
	entry("av-0-again", "MEMO_AVAILABLE_TO_RECIPIENT", 0, "", at(2*time.Hour))
	entry("av-1", "MEMO_AVAILABLE_TO_RECIPIENT", 1, "", at(0))
	entry("read-1", "MESSAGE_READ", 1, fmt.Sprint(at(time.Hour).UnixMicro()), at(time.Hour))
	entry("new-2", "MEMO_SOMETHING_NEW_IN_NGDP_2", 2, "", at(0))
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, 100)
	p := notesPoller(st, func() time.Time { return clock })
	for range 3 {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
		clock = clock.Add(15 * time.Minute)
	}
	want := []model.State{model.StateOpened, model.StateOpened, model.StateRegistered}
	for i, s := range ships {
		sh, err := st.Shipment(ctx, s.ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		reads, errs := 0, 0
		for _, e := range sh.Events {
			if strings.Contains(string(e.Payload), `"read-0"`) {
				reads++
			}
			if e.Kind == store.EventPollError {
				errs++
			}
		}
		if sh.State != want[i] || errs != 0 {
			t.Errorf("letter %d: %s with %d poll errors, want %s and none", i, sh.State, errs, want[i])
		}
		if i == 0 && reads != 1 {
			t.Errorf("letter 0: its reading kept %d times, want once", reads)
		}
		if i == 1 && !sh.StateChangedAt.Equal(at(time.Hour)) {
			t.Errorf("letter 1 opened at %s, want %s (created)", sh.StateChangedAt, at(time.Hour))
		}
	}
}
