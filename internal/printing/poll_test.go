package printing_test

import (
	"context"
	"fmt"
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

// A placed order whose status poll (or cancel) keeps failing is asked
// again with a backoff by its consecutive failures, as a create is sent
// again by its attempts: 1 minute doubling to an hour, or later when the
// provider asks for it (Retry-After), and from 1 minute again after an
// answer that knows the order.

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

// TestPollStaleAnswerPollsLater: a status answer older than the order's
// state (the provider says received of an order postvakt holds printed: a
// replica of the provider lagging behind) leaves the state as it is, and
// still says the provider knows the order: it is polled again after the
// usual interval, its failures and not-found window cleared, not claimed
// again at every lease's end (before: due_at stayed in the past, so every
// print run asked again).
func TestPollStaleAnswerPollsLater(t *testing.T) {
	w := newLostWorld(t, 1) // the provider holds it received
	db := w.st.DB()
	db.MustExec(`UPDATE print_orders SET state = $2, poll_failures = 3, not_found_since = $3 WHERE shipment_id = $1`,
		w.ids[0], store.PrintStatePrinted, w.t0)
	at := w.t0.Add(2 * time.Hour)
	if errs := w.poll(at); len(errs) != 0 {
		t.Fatalf("poll: %v", errs)
	}
	var r struct {
		State    string     `db:"state"`
		Due      *time.Time `db:"due_at"`
		Failures int        `db:"poll_failures"`
		NotFound *time.Time `db:"not_found_since"`
	}
	if err := db.Get(&r, `SELECT state, due_at, poll_failures, not_found_since FROM print_orders WHERE shipment_id = $1`, w.ids[0]); err != nil {
		t.Fatal(err)
	}
	if r.State != store.PrintStatePrinted {
		t.Errorf("state %s after a stale answer, want %s kept", r.State, store.PrintStatePrinted)
	}
	if r.Due == nil || !r.Due.After(at.Add(30*time.Minute)) {
		t.Errorf("next poll at %v after a stale answer at %v: want the usual interval later", r.Due, at)
	}
	if r.Failures != 0 || r.NotFound != nil {
		t.Errorf("poll_failures %d, not_found_since %v after an answer that knows the order: want 0, none", r.Failures, r.NotFound)
	}
}

// A provider that accepts an order and then keeps answering "received"
// for a month (lost inside the provider, as Copenhagen's 1,950 letters were
// lost inside the channel) is told by print_provider_silent's facts (every
// poll answers, so no other fact counts it): both orders, from when they
// were placed.
func TestOrderReceivedForAMonthIsCounted(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(1), storetest.Letter(2))
	_, srv := newFakeProvider(t) // answers every poll "received"
	svc := ordered(t, st, srv.URL, ids, now)
	end := now.Add(30 * 24 * time.Hour)
	for at := now; !at.After(end); at = at.Add(6 * time.Hour) {
		if _, err := svc.RunOnce(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	f, err := st.PrintProviderFacts(ctx, end.Add(-6*time.Hour), end.Add(-5*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var manual int
	if err := st.DB().Get(&manual, `SELECT count(*) FROM print_manual`); err != nil {
		t.Fatal(err)
	}
	if f.Unprinted != 2 || f.UnprintedSince == nil || !f.UnprintedSince.Equal(now) || f.Unanswered != 0 || manual != 0 {
		t.Errorf("after 30 days in 'received': facts %+v, manual cases %d; want both orders unprinted since %s", f, manual, now)
	}
}

// TestProviderStateInAnotherCase: a provider that writes its order states
// in capitals ("PRINTED", an enum's name) or with a capital first
// ("Posted") means the states postvakt follows. Before, each was "a state
// postvakt does not know": the order's every poll failed, a printed
// letter's escalation never closed and a failed order never reached
// manual handling; a cancel's 409 naming the order "PRINTED" was a failed
// cancel, asked again, not "too late".
func TestProviderStateInAnotherCase(t *testing.T) {
	for _, c := range []struct {
		state  string
		opened bool // the letter is opened after the order: a cancel, answered 409 with state
		stage  model.Stage
		order  string
		kind   string // an event the letter must have
	}{
		{"PRINTED", false, model.StagePrinted, store.PrintStatePrinted, store.EventPrintStatus},
		{"Posted", false, model.StagePrinted, store.PrintStatePosted, store.EventPrintStatus},
		{" posted ", false, model.StagePrinted, store.PrintStatePosted, store.EventPrintStatus},
		{"FAILED", false, model.StageManual, store.PrintStateFailed, store.EventPrintManual},
		{"PRINTED", true, model.StagePrinted, store.PrintStatePrinted, store.EventPrintCancelRefused},
		{"CANCELLED", true, model.StagePrintCancelled, store.PrintStateCancelled, store.EventPrintCancelled},
	} {
		t.Run(fmt.Sprintf("%q opened=%v", c.state, c.opened), func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ids, now := printable(t, st, storetest.Letter(1))
			srv := oneOrderProvider(t, c.state, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusConflict)
				fmt.Fprintf(w, `{"error":"order can no longer be cancelled","state":%q}`, c.state)
			})
			svc := placed(t, st, srv.URL, ids, now)
			if c.opened {
				channelSays(t, st, ids[0], "LEST", model.StateOpened, "", now.Add(time.Hour))
			}
			if _, err := svc.PollStatus(ctx, now.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			sh, err := st.Shipment(ctx, ids[0], store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			var order string
			if err := st.DB().Get(&order, `SELECT state FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			if order != c.order || sh.Stage != c.stage || count(kinds(sh), c.kind) != 1 {
				t.Errorf("provider says %q: order %s, stage %s, events %v; want order %s, stage %s, one %s",
					c.state, order, sh.Stage, kinds(sh), c.order, c.stage, c.kind)
			}
		})
	}
}
