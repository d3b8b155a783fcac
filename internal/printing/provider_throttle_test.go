package printing_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/storetest"
)

// TestProviderThrottledNotAskedAgain: the print provider answering a
// create 429 (Retry-After an hour) asks postvakt to slow down. The drain
// went on sending every other order of the run, each one more request
// into the throttle (and each 429 one more failure toward the breaker);
// now the orders after it are not sent this run: each waits out the
// Retry-After as the throttled one does, counted as never sent (a letter
// opened meanwhile is still skipped).
func TestProviderThrottledNotAskedAgain(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(1), storetest.Letter(2), storetest.Letter(3), storetest.Letter(4))
	var asked atomic.Int64
	srv := httpfake.New(t, httpfake.Bearer("print-key"))
	srv.Handle("POST /v1/orders", func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":"slow down"}`))
	})
	svc := ordered(t, st, srv.URL, ids, now)
	sum, err := svc.Drain(ctx, now)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("provider asked %d times after its 429, want once", n)
	}
	if sum.Retried != len(ids) || len(sum.NotPlaced) != len(ids) {
		t.Errorf("summary %s, not placed %v: want all %d retried", sum, sum.NotPlaced, len(ids))
	}
	notSent := 0
	for _, id := range ids {
		var next time.Time
		var attempts, unsent int
		if err := st.DB().QueryRow(`SELECT next_attempt_at, attempts, unsent FROM print_outbox WHERE shipment_id = $1`, id).
			Scan(&next, &attempts, &unsent); err != nil {
			t.Fatal(err)
		}
		if next.Before(now.Add(time.Hour)) || attempts != 1 {
			t.Errorf("letter %s: next attempt %s after %d attempts; want it waiting the provider's hour", id, next, attempts)
		}
		notSent += unsent
	}
	if notSent != len(ids) {
		t.Errorf("%d orders counted as never sent, want %d (the 429 took none either)", notSent, len(ids))
	}
}

// TestProviderThrottledPollsNotAskedAgain: the provider answering a
// status poll 429 (Retry-After an hour): the run's other orders are not
// asked about (each would be one more request into the throttle); each
// waits out the Retry-After, a failed poll as the throttled one is, and
// none is taken for lost or changed.
func TestProviderThrottledPollsNotAskedAgain(t *testing.T) {
	w := newLostWorld(t, 4)
	var asked atomic.Int64
	w.srv.Script(func(rw http.ResponseWriter, _ int) bool {
		asked.Add(1)
		rw.Header().Set("Retry-After", "3600")
		rw.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	at := w.t0.Add(2 * time.Hour)
	if errs := w.poll(at); len(errs) != 0 {
		t.Fatalf("poll: %v", errs)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("provider asked %d times after its 429, want once", n)
	}
	for i, id := range w.ids {
		var due time.Time
		if err := w.st.DB().Get(&due, `SELECT lease_until FROM print_orders WHERE shipment_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if due.Before(at.Add(time.Hour)) {
			t.Errorf("letter %d asked about again at %s; want after the provider's hour", i, due)
		}
	}
	w.wantNoneLost("after the 429")
}

// TestProviderRefusingNotAskedAgain: the provider refusing the requests
// themselves (401 after its API key was rotated, 403) refuses each one
// alike: the run sends no other order, and asks about no other order,
// after the first such answer; each waits its backoff, never sent.
func TestProviderRefusingNotAskedAgain(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			w := newLostWorld(t, 4) // four orders placed
			ctx := context.Background()
			more := storetest.IDs(storetest.Register(t, w.st, storetest.Letter(101), storetest.Letter(102), storetest.Letter(103)))
			storetest.Set(t, w.st, more, storetest.State(model.StateAvailable), storetest.ChannelStatus("VARSLET"))
			if err := w.svc.Order(ctx, more, "taushetsbelagt", false, w.t0); err != nil {
				t.Fatal(err)
			}
			var asked atomic.Int64
			w.srv.Script(func(rw http.ResponseWriter, _ int) bool {
				asked.Add(1)
				rw.WriteHeader(status)
				return true
			})
			at := w.t0.Add(2 * time.Hour)
			if _, err := w.svc.Drain(ctx, at); err != nil {
				t.Fatal(err)
			}
			if n := asked.Load(); n != 1 {
				t.Errorf("provider asked %d times to place orders after refusing the first, want once", n)
			}
			asked.Store(0)
			if errs := w.poll(at); len(errs) != 0 {
				t.Fatalf("poll: %v", errs)
			}
			if n := asked.Load(); n != 1 {
				t.Errorf("provider asked about %d orders after refusing the first, want once", n)
			}
			var unsent int
			if err := w.st.DB().Get(&unsent, `SELECT count(*) FROM print_outbox WHERE unsent = 1 AND next_attempt_at > $1`, at); err != nil {
				t.Fatal(err)
			}
			if unsent != len(more) {
				t.Errorf("%d orders waiting as never sent, want %d", unsent, len(more))
			}
			w.wantNoneLost("after the refusals")
		})
	}
}
