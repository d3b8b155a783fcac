package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestAltinnHistoryErrorWithNUL: Altinn answers a letter's details
// (Read) without a statusHistory, and the history asked for then fails
// with a problem answer whose title holds a NUL. README: "A history that
// cannot be fetched ... leaves the change in place, is noted once in the
// letter's evidence". The letter must be opened, with the history noted.
func TestAltinnHistoryErrorWithNUL(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour)
	ships := storetest.Register(t, st, altinnLetters(3)...)
	var mu sync.Mutex
	calls := map[string]int{}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	al := altinnAt(t, logger, httpclient.Options{MaxRetries: -1, BreakerThreshold: -1}, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		id := parts[len(parts)-2]
		mu.Lock()
		calls[id]++
		n := calls[id]
		mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		if id == ships[0].ChannelID && n > 1 { // the history asked for separately
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprint(rw, `{"title":"Conflict\u0000","status":409}`)
			return
		}
		fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00Z","status":"Read","statusChanged":"2026-11-20T11:00:00Z","isConfidential":true}`, id)
	}))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	if sum, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("cycle failed: %v (%+v)", err, sum)
	}
	for i, s := range ships {
		var state string
		if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		var msgs []string
		st.DB().Select(&msgs, `SELECT kind || ': ' || left(message, 160) FROM shipment_events WHERE shipment_id = $1 ORDER BY id`, s.ID)
		t.Logf("letter %d: %s %q", i, state, msgs)
		if state != string(model.StateOpened) {
			t.Errorf("letter %d is %s, want opened (the channel said Read; only its history could not be had)", i, state)
		}
	}
	if t.Failed() {
		t.Log(logs.String())
	}
}

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
