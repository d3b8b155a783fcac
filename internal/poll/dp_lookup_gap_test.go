package poll_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/poll"
)

// TestDPLookupCountedNotGiven: a letter the windows have not mentioned an
// UnknownGrace after it was sent is looked up on its own, and the log
// answers the look-up with a count of its entries and none of them (still
// indexing them: the log is only eventually consistent). That is no word
// that Digital Post never heard of the letter: it is not marked
// unknown_to_channel (an event in its evidence saying so, the list a
// person works through), the look-up is the letter's error, asked again
// after its backoff; once the log gives its entries the letter takes them.
func TestDPLookupCountedNotGiven(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Minute)
	l := &dpLog{}
	letter := dpLetter(0)
	visible := start.Add(3 * time.Hour) // the log gives the letter's entries from then
	for i, tag := range []string{"MEMO_SEND_RECEIVED", "MEMO_AVAILABLE_TO_RECIPIENT"} {
		created := start.Add(time.Duration(i) * time.Minute)
		id := fmt.Sprintf("gap-%d", i)
		l.addRaw(dpEntry{created: created, visible: visible, letter: letter, id: id, tag: tag, raw: dpRaw(id, tag, letter, created, created)})
	}
	l.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("metaProperties.messageUUID") != letter || !l.now().Before(visible) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"events":[],"currentPage":0,"totalPages":1,"elementsOnPage":0,"totalElements":2}`)
		return true
	}
	w := newRevWorld(t, l, 0, start.Add(-time.Minute))
	w.register(t, 1, start)
	marked := func() bool {
		var n int
		if err := w.st.DB().Get(&n, `SELECT count(*) FROM shipments WHERE channel_id = $1 AND unknown_to_channel_since IS NOT NULL`, letter); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	for w.now().Before(visible) {
		w.cycles(t, 1, 10*time.Minute)
		if w.now().Sub(start) > poll.UnknownGrace && marked() {
			t.Fatalf("+%s: the letter is marked unknown to Digital Post, whose log counted two entries of it", w.now().Sub(start))
		}
	}
	w.cycles(t, 40, 10*time.Minute) // its backoff passes; the log gives its entries
	if marked() {
		t.Fatal("the letter is still marked unknown")
	}
	w.check(t, map[string]model.State{letter: model.StateAvailable})
}
