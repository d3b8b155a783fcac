package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
)

// TestHistoryGivenUpSaysSo: a final status whose history cannot be fetched
// more than poll.HistoryGiveUp after the letter was sent is not polled
// again for it, and its note in the evidence says so; it said the history
// "is asked for at the next poll", a poll that never came. Within the
// time, the note says the history is asked for again, and it is.
func TestHistoryGivenUpSaysSo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration // after t0; the letter was sent an hour before t0
		again bool
	}{{"within the time", time.Hour, true}, {"past it", poll.HistoryGiveUp + time.Hour, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, ships := registered(t, 1)
			now := t0.Add(tc.after)
			ch := &historied{scripted: &scripted{answers: map[string]channel.Observation{
				"id-0": {Status: "LEST", State: model.StateOpened, ChangedAt: now.Add(-time.Hour), Payload: []byte(`{"status":"LEST"}`)},
			}, asked: map[string]int{}}, broken: map[string]bool{"id-0": true}, hang: map[string]bool{}, asked: map[string]int{}}
			p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }, Workers: 1})
			if _, err := p.Cycle(ctx, ch); err != nil {
				t.Fatal(err)
			}
			var note string
			for _, ev := range eventsOf(t, st, ships[0].ID) {
				if ev.Kind == store.EventPollError {
					note = ev.Message
				}
			}
			var next *time.Time
			if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, ships[0].ID); err != nil {
				t.Fatal(err)
			}
			if (next != nil) != tc.again {
				t.Fatalf("next poll %v; want one: %v", next, tc.again)
			}
			if says := strings.Contains(note, "asked for at the next poll"); says != tc.again || note == "" {
				t.Errorf("the note %q says the history is asked for again: %v; want %v", note, says, tc.again)
			}
		})
	}
}
