package poll_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/model"
)

// TestDPLogRefusedAfterOtherFailure: letters imported late (their entries
// went by before they were registered) whose first look-up fails for
// another reason (the log's gateway answering 502 once) and is refused
// (400) from then on still ask for the log to be read again over their
// time (poll_queue.reread_asked_at, not their failure count), and get
// their states; none is marked unknown. (Found by an independent review:
// a failure count above 0 was taken for "asked before".)
func TestDPLogRefusedAfterOtherFailure(t *testing.T) {
	for _, tc := range []struct {
		name     string
		firstBad int // status of each letter's first look-up; 0: refused at once
	}{
		{"refused at once", 0},
		{"first look-up 502, then refused", http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now().UTC().Truncate(time.Minute)
			l := &dpLog{cap: 100}
			var mu sync.Mutex
			seen := map[string]bool{}
			l.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
				id := r.URL.Query().Get("metaProperties.messageUUID")
				if id == "" {
					return false
				}
				mu.Lock()
				first := !seen[id]
				seen[id] = true
				mu.Unlock()
				if first && tc.firstBad != 0 {
					http.Error(w, "bad gateway", tc.firstBad)
					return true
				}
				return refuseFilter(w, r, n)
			}
			w := newRevWorld(t, l, -1, start)
			for i := range 50 {
				l.add(fmt.Sprintf("other-%d", i), "MEMO_SEND_RECEIVED", dpLetter(9000+i), start.Add(-5*24*time.Hour+time.Duration(i)*2*time.Hour))
			}
			w.registerFrom(t, 9000, 1, start.Add(-5*24*time.Hour))
			w.cycles(t, 2, 15*time.Minute)
			sent := start.Add(-4 * 24 * time.Hour)
			want := map[string]model.State{dpLetter(9000): model.StateAccepted}
			for i := range 4 {
				id := dpLetter(i)
				l.add(fmt.Sprintf("rcv-%d", i), "MEMO_SEND_RECEIVED", id, sent.Add(time.Duration(i)*time.Minute))
				l.add(fmt.Sprintf("rd-%d", i), "MESSAGE_READ", id, sent.Add(24*time.Hour))
				want[id] = model.StateOpened
			}
			w.register(t, 4, sent)
			w.cycles(t, 16, 15*time.Minute)
			w.check(t, want)
			var unknown int
			if err := w.st.DB().Get(&unknown, `SELECT count(*) FROM shipments WHERE unknown_to_channel_since IS NOT NULL`); err != nil {
				t.Fatal(err)
			}
			if unknown != 0 {
				t.Errorf("%d letters marked unknown to the channel, want none (the log has their entries)", unknown)
			}
			// One re-read for the back-fill, not one per cycle or per letter.
			if n := w.rereadsAsked(); n != 1 {
				t.Errorf("%d re-reads asked for, want 1", n)
			}
		})
	}
}

// refuseFilter answers a search by messageUUID 400, as a log whose field
// search does not take metaProperties.messageUUID would (the notes infer
// the filter from the spec's generic search text; it is untested).
func refuseFilter(w http.ResponseWriter, r *http.Request, _ int) bool {
	if !r.URL.Query().Has("metaProperties.messageUUID") {
		return false
	}
	http.Error(w, `{"status":400,"error":"Bad Request","message":"Unknown search field metaProperties.messageUUID"}`, http.StatusBadRequest)
	return true
}

// rereadsAsked counts the re-reads the refused look-ups started.
func (w *dpWorld) rereadsAsked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Count(w.logs.String(), "re-reading the event log from the sent time of letters whose own look-up it refused")
}
