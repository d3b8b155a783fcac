package poll_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestFeedNotesDepthCap: a log that pages only so deep (a search index's
// result window: from + size at most 20 entries here) and refuses a page
// past it with a 400, or a 500 (a service that passes its index's refusal
// on as its own failure), rather than an empty page. The read ends with a
// gap after the last entry it gave and reads on from there, so every
// letter is opened; the read failed, the cursor stayed at the window's
// start, and every cycle failed on the same page: the letters read past
// the cap stayed unread (reminded and printed).
func TestFeedNotesDepthCap(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) { feedNotesDepthCap(t, status) })
	}
}

func feedNotesDepthCap(t *testing.T, status int) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	const n, size, depth = 30, 10, 20
	notesLetters(t, st, n, now.Add(-3*time.Hour))
	l := &notesLog{}
	l.addReads(now, n) // a letter read every two minutes over the last hour
	refused := 0
	l.fail = func(w http.ResponseWriter, page int) bool {
		if (page+1)*size <= depth {
			return false
		}
		refused++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%d,"error":"Result window is too large, from + size must be less than or equal to: [%d]"}`, status, depth)
		return true
	}
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, size)
	p := notesPoller(st, func() time.Time { return clock })
	for range 3 {
		_, _ = p.Poll(ctx, dp)
		clock = clock.Add(15 * time.Minute)
	}
	if refused == 0 {
		t.Fatal("the log never refused a page")
	}
	if unread := notesUnopened(t, st.DB()); len(unread) > 0 {
		t.Errorf("%d of %d letters read past the log's depth are not opened: %v", len(unread), n, unread)
	}
}
