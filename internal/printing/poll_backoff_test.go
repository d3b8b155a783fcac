package printing_test

// A placed order whose status poll (or cancel) keeps failing is asked
// again with a backoff by its consecutive failures, as a create is sent
// again by its attempts: 1 minute doubling to an hour, or later when the
// provider asks for it (Retry-After), and from 1 minute again after an
// answer that knows the order.

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestPollBackoff runs the print job every minute of a fake clock for 6 h
// from the moment a placed order is first due for its status poll, the
// provider answering as each case says, and checks the minutes at which
// the provider was asked about the order, and that each failed call left
// one print_error event.
func TestPollBackoff(t *testing.T) {
	const minutes = 6 * 60
	fail := func(retryAfter string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}
	for _, c := range []struct {
		name string
		open bool // the letter is opened: the order is cancelled, not polled
		// answer answers the provider's n-th request about the order
		// (from 1); nil: it knows the order.
		answer func(n int) func(w http.ResponseWriter)
		want   []int // minutes at which the provider was asked
	}{
		{"5xx for 6 h: 1 minute doubling, then hourly", false,
			func(int) func(http.ResponseWriter) { return fail("") },
			[]int{0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303}},
		{"a cancel failing 5xx for 6 h backs off the same way", true,
			func(int) func(http.ResponseWriter) { return fail("") },
			[]int{0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303}},
		{"after one answer that knows the order, the next failure starts at 1 minute again", false,
			func(n int) func(http.ResponseWriter) {
				if n == 9 {
					return nil
				}
				return fail("")
			},
			// The 9th (minute 183) knows the order: next poll an hour later.
			[]int{0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 244, 246, 250, 258, 274, 306}},
		{"a Retry-After longer than the backoff is honoured", false,
			func(int) func(http.ResponseWriter) { return fail("10800") }, // 3 h
			[]int{0, 180}},
		{"a Retry-After shorter than the backoff does not shorten it", false,
			// 5 min: longer than the client's own wait (httpclient's
			// RetryAfterMax, 2 min), so the provider's to honour.
			func(int) func(http.ResponseWriter) { return fail("300") },
			[]int{0, 5, 10, 15, 23, 39, 71, 131, 191, 251, 311}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newLostWorld(t, 1) // the order placed at w.t0
			if c.open {
				storetest.Set(t, w.st, w.ids, storetest.State(model.StateOpened)) // the script answers its cancels
			}
			first := w.t0.Add(time.Hour) // its first status poll
			var (
				mu     sync.Mutex // the provider's handler runs on the server's goroutine
				asked  []int
				minute int
			)
			w.srv.Script(func(rw http.ResponseWriter, n int) bool {
				mu.Lock()
				asked = append(asked, minute)
				a := c.answer(len(asked))
				mu.Unlock()
				if a != nil {
					a(rw)
					return true
				}
				return false
			})
			for m := 0; m < minutes; m++ {
				mu.Lock()
				minute = m
				mu.Unlock()
				w.poll(first.Add(time.Duration(m) * time.Minute))
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(asked, c.want) {
				t.Errorf("the provider was asked about the order %d times, at minutes %v; want %v", len(asked), asked[:min(len(asked), 20)], c.want)
			}
			failed := len(asked)
			for n := 1; n <= len(asked); n++ {
				if c.answer(n) == nil {
					failed--
				}
			}
			sh, err := w.st.Shipment(w.ctx, w.ids[0], store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			if got := count(kinds(sh), store.EventPrintError); got != failed {
				t.Errorf("%d print_error events for %d failed calls, want one each", got, failed)
			}
			if c.open {
				w.want("cancel failing", 0, store.PrintStateReceived, "")
			}
		})
	}
}

// TestPollBackoffCount: the order's consecutive failures are counted in
// print_orders.poll_failures and set back to 0 by an answer that knows it.
func TestPollBackoffCount(t *testing.T) {
	w := newLostWorld(t, 1)
	first := w.t0.Add(time.Hour)
	var failing atomic.Bool
	failing.Store(true)
	w.srv.Script(func(rw http.ResponseWriter, n int) bool {
		if failing.Load() {
			rw.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	})
	get := func() int {
		var n int
		if err := w.st.DB().Get(&n, `SELECT poll_failures FROM print_orders WHERE shipment_id = $1`, w.ids[0]); err != nil {
			t.Fatal(err)
		}
		return n
	}
	at := first
	for i := 1; i <= 3; i++ {
		w.poll(at)
		if got := get(); got != i {
			t.Fatalf("after %d failed polls poll_failures = %d", i, got)
		}
		at = at.Add(time.Hour)
	}
	failing.Store(false)
	w.poll(at)
	if got := get(); got != 0 {
		t.Errorf("after an answer that knows the order poll_failures = %d, want 0", got)
	}
}

// TestPollBackoffNotFound: an order the provider answers 404 for backs off
// as any failed poll does, yet is still asked again when its
// printing.OrderLostAfter window ends, and goes to manual handling then,
// not up to a backoff later: about 30 polls in 24 h, not 1,440.
func TestPollBackoffNotFound(t *testing.T) {
	w := newLostWorld(t, 1) // the only open order: its 404s count
	first := w.t0.Add(time.Hour)
	var asked atomic.Int32
	w.srv.Script(func(rw http.ResponseWriter, n int) bool {
		asked.Add(1)
		rw.WriteHeader(http.StatusNotFound)
		return true
	})
	lostAt := -1
	for m := 0; m <= 25*60 && lostAt < 0; m++ {
		w.poll(first.Add(time.Duration(m) * time.Minute))
		var state string
		if err := w.st.DB().Get(&state, `SELECT state FROM print_orders WHERE shipment_id = $1`, w.ids[0]); err != nil {
			t.Fatal(err)
		}
		if state != store.PrintStateReceived {
			lostAt = m
		}
	}
	if want := int(printing.OrderLostAfter / time.Minute); lostAt != want {
		t.Errorf("the order ended at minute %d, want %d (the window's end)", lostAt, want)
	}
	w.want("404s for the window", 0, store.PrintStateFailed, store.ReasonPrintLost)
	// 1, 2, 4 … 32 minutes, then hourly from minute 123, and the window's end.
	if n := asked.Load(); n != 30 {
		t.Errorf("the provider was asked about the order %d times in 24 h, want 30", n)
	}
}
