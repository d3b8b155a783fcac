package poll_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

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

// TestDPLogFilterRefusedLateImport: a log that refuses the messageUUID
// filter, read for days, then last week's letters imported (a back-fill):
// their entries went by before they were registered, and a look-up of
// their own is refused. The log is read again from their sent time (a
// re-read asked for by the refused look-ups): each gets its state, each
// entry kept once. (Found by an independent review of the Digital Post
// adapter.)
func TestDPLogFilterRefusedLateImport(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Minute)
	l := &dpLog{cap: 100, hook: refuseFilter}
	w := newRevWorld(t, l, -1, start)
	for i := range 50 {
		l.add(fmt.Sprintf("other-%d", i), "MEMO_SEND_RECEIVED", dpLetter(9000+i), start.Add(-5*24*time.Hour+time.Duration(i)*2*time.Hour))
	}
	w.registerFrom(t, 9000, 1, start.Add(-5*24*time.Hour))
	w.cycles(t, 2, 15*time.Minute)
	sent := start.Add(-4 * 24 * time.Hour)
	want := map[string]model.State{dpLetter(9000): model.StateRegistered}
	for i := range 10 {
		id := dpLetter(i)
		l.add(fmt.Sprintf("rcv-%d", i), "MEMO_SEND_RECEIVED", id, sent.Add(time.Duration(i)*time.Minute))
		l.add(fmt.Sprintf("av-%d", i), "MEMO_AVAILABLE_TO_RECIPIENT", id, sent.Add(time.Duration(i)*time.Minute+time.Second))
		want[id] = model.StateAvailable
		if i%2 == 0 {
			l.add(fmt.Sprintf("rd-%d", i), "MESSAGE_READ", id, sent.Add(24*time.Hour))
			want[id] = model.StateOpened
		}
	}
	w.register(t, 10, sent)
	w.cycles(t, 12, 15*time.Minute)
	want[dpLetter(9000)] = model.StateAccepted
	w.check(t, want)
	// One re-read for the back-fill, not one per cycle or per letter.
	if n := w.rereadsAsked(); n != 1 {
		t.Errorf("%d re-reads asked for, want 1", n)
	}
}

// rereadsAsked counts the re-reads the refused look-ups started.
func (w *dpWorld) rereadsAsked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Count(w.logs.String(), "re-reading the event log from the sent time of letters whose own look-up it refused")
}
