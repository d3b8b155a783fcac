package printing_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/store"
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

// TestRegisterThrottledNotAskedAgain: Enhetsregisteret answering 429
// (Retry-After an hour) asks postvakt to slow down. The address lookups
// went on asking it about every other organisation of the run, each one
// more request into the throttle; now the organisations after it are not
// asked this run: each of their lookups waits out the Retry-After as the
// throttled one does.
func TestRegisterThrottledNotAskedAgain(t *testing.T) {
	ctx := context.Background()
	st, orgs, ids := fourOrgsWaiting(t)
	now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	var asked atomic.Int64
	reg := httpfake.New(t, nil)
	reg.Handle("GET /enheter/{nr}", func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"status":429}`))
	})
	svc := registerService(t, st, reg)
	if err := svc.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
		t.Fatalf("order: %v", err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("Enhetsregisteret asked %d times after its 429, want once", n)
	}
	for i, id := range ids {
		var state string
		var due time.Time
		if err := st.DB().QueryRow(`SELECT state, due_at FROM print_orders WHERE shipment_id = $1`, id).Scan(&state, &due); err != nil {
			t.Fatal(err)
		}
		if state != store.PrintStateLookup || due.Before(now.Add(time.Hour)) {
			t.Errorf("letter to %s: %s, due %s; want its lookup waiting the register's hour", orgs[i], state, due)
		}
	}
}

// TestRegisterRefusingNotAskedAgain: Enhetsregisteret's address (a proxy
// in front of it) refusing the request itself (401, 403; a web page for a
// 404 at a wrong POSTVAKT_REGISTER_URL) says the register cannot be asked
// now, not that an organisation is unknown: the names job leaves it alone
// for the run, and so do the address lookups now. Before, every other
// organisation of the run was asked into the same refusal. Each lookup is
// retried later, none sent to manual handling.
func TestRegisterRefusingNotAskedAgain(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		ctype  string
		body   string
	}{
		{"401", http.StatusUnauthorized, "application/json", `{"error":"unauthorized"}`},
		{"403", http.StatusForbidden, "application/json", `{"error":"forbidden"}`},
		{"404 web page", http.StatusNotFound, "text/html", `<html><body>Not Found</body></html>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st, orgs, ids := fourOrgsWaiting(t)
			now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
			var asked atomic.Int64
			reg := httpfake.New(t, nil)
			reg.Script(func(w http.ResponseWriter, _ int) bool {
				asked.Add(1)
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
				return true
			})
			svc := registerService(t, st, reg)
			if err := svc.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
				t.Fatalf("order: %v", err)
			}
			if n := asked.Load(); n != 1 {
				t.Errorf("register asked %d times after refusing the first request, want once", n)
			}
			for i, id := range ids {
				var state string
				if err := st.DB().QueryRow(`SELECT state FROM print_orders WHERE shipment_id = $1`, id).Scan(&state); err != nil {
					t.Fatal(err)
				}
				if state != store.PrintStateLookup {
					t.Errorf("letter to %s: %s; want its lookup retried later", orgs[i], state)
				}
			}
		})
	}
}

// fourOrgsWaiting is a store with one letter to each of four
// organisations, available and unopened: what the lookups of a run go
// through one organisation after another. It returns the organisations'
// numbers and their letters' ids, in one order.
func fourOrgsWaiting(t *testing.T) (*store.Store, []string, []string) {
	t.Helper()
	st := storetest.Open(t)
	orgs := storetest.OrgNumbers(4)
	var letters []model.NewShipment
	for i, org := range orgs {
		l := storetest.Letter(i)
		l.RecipientID = org
		letters = append(letters, l)
	}
	ids := storetest.IDs(storetest.Register(t, st, letters...))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("VARSLET"))
	return st, orgs, ids
}

// farRetryAfter answers 503 with a Retry-After a century ahead (an HTTP
// date, as a misconfigured proxy in front of the provider may send).
func farRetryAfter(w http.ResponseWriter, _ int) bool {
	w.Header().Set("Retry-After", time.Now().AddDate(100, 0, 0).UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusServiceUnavailable)
	return true
}

// TestRetryAfterCenturyAheadIsBounded: a Retry-After a century ahead
// postpones neither a status poll nor a create by a century (the letter
// would never be printed, nor its order followed): the wait the provider
// asks for is honoured up to a day, as an Altinn Notifications order's is
// (remind's orderRetryAt). Before the fix both were put off by 100 years.
func TestRetryAfterCenturyAheadIsBounded(t *testing.T) {
	t.Run("status poll", func(t *testing.T) {
		w := newLostWorld(t, 1)
		w.srv.Script(farRetryAfter)
		at := w.t0.Add(time.Hour) // its first status poll
		w.poll(at)
		var next time.Time
		if err := w.st.DB().Get(&next, `SELECT lease_until FROM print_orders WHERE shipment_id = $1`, w.ids[0]); err != nil {
			t.Fatal(err)
		}
		if next.After(at.Add(24*time.Hour)) || !next.After(at) {
			t.Errorf("the status poll is asked again at %s, %s after it failed; want within a day", next.UTC(), next.Sub(at))
		}
	})
	t.Run("create", func(t *testing.T) {
		ctx := context.Background()
		st := storetest.Open(t)
		ids, now := printable(t, st, storetest.Letter(0))
		_, srv := newFakeProvider(t)
		srv.Script(farRetryAfter)
		svc := ordered(t, st, srv.URL, ids, now)
		if _, err := svc.Drain(ctx, now); err != nil {
			t.Fatal(err)
		}
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_attempt_at FROM print_outbox WHERE shipment_id = $1`, ids[0]); err != nil {
			t.Fatal(err)
		}
		if next.After(now.Add(24*time.Hour)) || !next.After(now) {
			t.Errorf("the create is sent again at %s, %s after it failed; want within a day", next.UTC(), next.Sub(now))
		}
	})
}
