package printing_test

// A placed order the fake print provider of provider_fake_test.go answers
// 404 for: lost after printing.OrderLostAfter when the provider shows it
// knows postvakt's other orders, never when it knows none of them.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/logtest"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// lostWorld is n letters whose print orders, placed at t0, the fake
// provider holds, and a print service whose log the test reads.
type lostWorld struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	ids   []string
	order []string // the provider's order id of each letter
	f     *fakeProvider
	srv   *httpfake.Server // the provider's server: Script answers before f
	svc   *printing.Service
	log   *logtest.Buffer
	host  string // the provider's host as the client names it
	t0    time.Time
	// knowsNone: the last poll's run failed with
	// printing.ErrProviderKnowsNone.
	knowsNone bool
}

func newLostWorld(t *testing.T, n int) *lostWorld {
	t.Helper()
	w := &lostWorld{t: t, ctx: context.Background(), st: storetest.Open(t), t0: time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)}
	w.ids = storetest.IDs(storetest.Register(t, w.st, storetest.Letters(n)...))
	storetest.Set(t, w.st, w.ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("VARSLET"))
	storetest.CacheRegisterAnswer(t, w.st, "974760673", w.t0)
	f, srv := newFakeProvider(t)
	client, err := httpclient.New(httpclient.Options{Name: "print", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	w.f, w.srv, w.host = f, srv, client.Host()
	logger, buf := logtest.New()
	w.log = buf
	w.svc = printing.New(w.st, printing.Options{Provider: client, ProviderAPIKey: "print-key", BatchSize: 10, Logger: logger})
	if err := w.svc.Order(w.ctx, w.ids, "taushetsbelagt", false, w.t0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Drain(w.ctx, w.t0); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range w.ids {
		id := f.orders[w.key(i)]
		if id == "" {
			t.Fatalf("order of letter %d not placed: %v", i, f.orders)
		}
		w.order = append(w.order, id)
	}
	return w
}

func (w *lostWorld) key(i int) string { return "postvakt-print-" + w.ids[i] }

// forget makes the provider answer 404 for the letters' orders.
func (w *lostWorld) forget(letters ...int) {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	for _, i := range letters {
		delete(w.f.state, w.order[i])
	}
}

// know makes the provider know the letters' orders again.
func (w *lostWorld) know(letters ...int) {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	for _, i := range letters {
		w.f.state[w.order[i]] = store.PrintStateReceived
	}
}

// poll runs PollStatus at at and returns the run's error lines: those it
// logged, then the error it returned when the provider knows none of the
// orders (the caller's one line: the job's "scheduled job failed"). A run
// fails (printing.ErrProviderKnowsNone, kept in knowsNone) exactly when it
// says that the provider knows none of the orders; any other error ends
// the test.
func (w *lostWorld) poll(at time.Time) []string {
	w.t.Helper()
	before := len(w.log.String())
	_, err := w.svc.PollStatus(w.ctx, at)
	w.knowsNone = errors.Is(err, printing.ErrProviderKnowsNone)
	if err != nil && !w.knowsNone {
		w.t.Fatal(err)
	}
	var errs []string
	said := false
	for _, l := range strings.Split(w.log.String()[before:], "\n") {
		if strings.Contains(l, "level=ERROR") {
			errs = append(errs, l)
		}
	}
	if w.knowsNone {
		errs = append(errs, err.Error())
	}
	for _, l := range errs {
		said = said || strings.Contains(l, "knows none of postvakt's orders")
	}
	if said != w.knowsNone {
		w.t.Errorf("run at %s: logged that the provider knows none: %t; returned %v", at, said, err)
	}
	return errs
}

// want checks a letter's order state and manual-handling reason ("" none).
func (w *lostWorld) want(when string, i int, state, reason string) {
	w.t.Helper()
	var r struct {
		State  string  `db:"state"`
		Reason *string `db:"reason"`
		Stage  string  `db:"stage"`
	}
	if err := w.st.DB().Get(&r, `SELECT p.state, m.reason, s.stage FROM print_orders p JOIN shipments s ON s.id = p.shipment_id
		LEFT JOIN print_manual m ON m.shipment_id = p.shipment_id WHERE p.shipment_id = $1`, w.ids[i]); err != nil {
		w.t.Fatal(err)
	}
	if r.State != state || (r.Reason == nil) != (reason == "") || (r.Reason != nil && *r.Reason != reason) {
		got := "none"
		if r.Reason != nil {
			got = *r.Reason
		}
		w.t.Errorf("%s: letter %d: state %s stage %s reason %s; want %s, reason %q", when, i, r.State, r.Stage, got, state, reason)
	}
	if reason != "" && r.Stage != string(model.StageManual) {
		w.t.Errorf("%s: letter %d in stage %s, want manual", when, i, r.Stage)
	}
}

// wantNoneLost checks that no letter is in manual handling and every order
// is still followed.
func (w *lostWorld) wantNoneLost(when string) {
	w.t.Helper()
	for i := range w.ids {
		w.want(when, i, store.PrintStateReceived, "")
	}
}

// TestProviderFakeOrderNotFound: a placed order whose status poll the
// provider answers 404 (it no longer knows the order), while it knows
// another order, is polled again, not given up on one answer; after
// printing.OrderLostAfter of such answers the letter goes to manual
// handling (print_lost), and no second order is placed. An answer that
// knows the order meanwhile starts the count again.
func TestProviderFakeOrderNotFound(t *testing.T) {
	w := newLostWorld(t, 3)
	const lost, back, kept = 0, 1, 2 // kept: an order the provider knows throughout
	t0 := w.t0

	w.forget(lost, back)
	w.poll(t0.Add(time.Hour)) // the first 404s
	w.want("one 404", lost, store.PrintStateReceived, "")
	w.want("one 404", back, store.PrintStateReceived, "")
	w.poll(t0.Add(time.Hour + printing.OrderLostAfter - 10*time.Minute)) // 404s for just under the window
	w.want("404s for under the window", lost, store.PrintStateReceived, "")
	w.know(back)
	w.poll(t0.Add(time.Hour + printing.OrderLostAfter - 5*time.Minute)) // after the last 404's backoff
	w.want("found again", back, store.PrintStateReceived, "")
	w.forget(back)
	w.poll(t0.Add(time.Hour + printing.OrderLostAfter + time.Hour)) // the window over for the one never found again
	w.want("404s for the window", lost, store.PrintStateFailed, store.ReasonPrintLost)
	w.want("404 after being found within the window", back, store.PrintStateReceived, "")
	w.poll(t0.Add(2*printing.OrderLostAfter + time.Hour)) // the other's own window, from its second run of 404s, not over
	w.want("404s again for under the window", back, store.PrintStateReceived, "")
	w.poll(t0.Add(3 * printing.OrderLostAfter))
	w.want("404s again for the window", back, store.PrintStateFailed, store.ReasonPrintLost)
	w.want("known throughout", kept, store.PrintStateReceived, "")

	if _, err := w.svc.Drain(w.ctx, t0.Add(4*printing.OrderLostAfter)); err != nil {
		t.Fatal(err)
	}
	w.f.mu.Lock()
	if len(w.f.orders) != 3 || w.f.creates[w.key(lost)] != 1 || w.f.creates[w.key(back)] != 1 {
		t.Errorf("provider saw %v creates for %d orders; want one each, never a second order", w.f.creates, len(w.f.orders))
	}
	w.f.mu.Unlock()
	sh, err := w.st.Shipment(w.ctx, w.ids[lost], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if ks := kinds(sh); count(ks, store.EventPrintManual) != 1 {
		t.Errorf("lost order's events %v, want one print_manual", ks)
	}
}

// TestProviderFakeNotFoundNamedInUnknownState: an answer naming the order
// in a state postvakt does not know (a poll that learns nothing to act on)
// knows the order all the same: it ends the run of 404s, and a 404 after
// it begins a new one, so the letter is not sent to manual handling three
// hours after the provider last named its order.
func TestProviderFakeNotFoundNamedInUnknownState(t *testing.T) {
	w := newLostWorld(t, 2) // letter 1: an order the provider knows throughout
	t0 := w.t0
	w.forget(0)
	w.poll(t0.Add(time.Hour)) // the run of 404s begins
	w.f.mu.Lock()
	w.f.state[w.order[0]] = "in_production"
	w.f.mu.Unlock()
	w.poll(t0.Add(time.Hour + printing.OrderLostAfter - 3*time.Hour)) // named, in a state postvakt does not know
	w.forget(0)
	w.poll(t0.Add(time.Hour + printing.OrderLostAfter - 2*time.Hour)) // a new run of 404s
	w.poll(t0.Add(time.Hour + printing.OrderLostAfter + time.Hour))   // the first run's window over, not the new one's
	w.want("404s since it was named", 0, store.PrintStateReceived, "")
	w.poll(t0.Add(2*printing.OrderLostAfter + time.Hour)) // the new run's window over
	w.want("404s for the window since it was named", 0, store.PrintStateFailed, store.ReasonPrintLost)
}

// TestProviderFakeNotFoundGuard: a provider that answers 404 for every
// order (a wrong base URL, an outage answering 404, a new account) sends
// no order to manual handling however long it lasts, and each run logs one
// error saying so and fails (printing.ErrProviderKnowsNone: the job's
// metric counts it); one order it does not know among orders it knows is
// lost after printing.OrderLostAfter as before, also in the runs in which
// that order is the only one due; and when the provider comes back,
// nothing is lost, and an order it still does not know has its whole
// window from then on. The only open order there is, with nothing to
// compare it with, is lost after the window as before.
func TestProviderFakeNotFoundGuard(t *testing.T) {
	const n = 4
	all := []int{0, 1, 2, 3}
	for _, c := range []struct {
		name string
		run  func(t *testing.T, w *lostWorld)
	}{
		{"every order 404 for 48 h", func(t *testing.T, w *lostWorld) {
			w.forget(all...)
			for at := w.t0.Add(time.Hour); !at.After(w.t0.Add(49 * time.Hour)); at = at.Add(time.Hour) {
				errs := w.poll(at)
				if !w.knowsNone {
					t.Errorf("run at %s: PollStatus did not fail with ErrProviderKnowsNone: the job's metric would not show it", at)
				}
				if len(errs) != 1 {
					t.Errorf("run at %s said %d errors (logged and returned), want one:\n%s", at, len(errs), strings.Join(errs, "\n"))
					continue
				}
				e := errs[0]
				if !strings.Contains(e, "knows none of postvakt's orders") || !strings.Contains(e, "of 4 orders") ||
					!strings.Contains(e, "provider "+w.host) {
					t.Errorf("run at %s: error %q; want the provider knows none, of 4 orders, provider %s", at, e, w.host)
				}
				for _, secret := range append(append([]string{"Vedtak", "Barnevern", "974760673", "MOTTAKER"}, w.ids...), w.order...) {
					if strings.Contains(e, secret) {
						t.Errorf("run at %s: the error names %q: %s", at, secret, e)
					}
				}
			}
			w.wantNoneLost("after 48 h of 404s for every order")
			var since int
			if err := w.st.DB().Get(&since, `SELECT count(*) FROM print_orders WHERE not_found_since IS NOT NULL`); err != nil {
				t.Fatal(err)
			}
			if since != 0 {
				t.Errorf("%d orders have a not-found window running, want none", since)
			}
		}},
		{"one order 404 while the others are found", func(t *testing.T, w *lostWorld) {
			lostWhileOthersFound(t, w, 0)
		}},
		{"two orders 404 while the others are found", func(t *testing.T, w *lostWorld) {
			lostWhileOthersFound(t, w, 0, 1)
		}},
		{"the only open order 404 for 24 h", func(t *testing.T, w *lostWorld) {
			// Nothing to compare with: its 404s count, as before.
			w.f.mu.Lock()
			for _, i := range all[1:] {
				w.f.state[w.order[i]] = store.PrintStatePosted
			}
			w.f.mu.Unlock()
			w.forget(0)
			first := w.t0.Add(time.Hour) // the others posted: final, not polled again
			for at := first; at.Before(first.Add(printing.OrderLostAfter)); at = at.Add(time.Hour) {
				if errs := w.poll(at); len(errs) != 0 {
					t.Fatalf("run at %s logged errors:\n%s", at, strings.Join(errs, "\n"))
				}
			}
			w.want("the only open order, 404s for under 24 h", 0, store.PrintStateReceived, "")
			w.poll(first.Add(printing.OrderLostAfter))
			w.want("the only open order, 404s for 24 h", 0, store.PrintStateFailed, store.ReasonPrintLost)
		}},
		{"the provider comes back", func(t *testing.T, w *lostWorld) {
			w.forget(all...)
			back := w.t0.Add(30 * time.Hour) // more than OrderLostAfter of 404s
			for at := w.t0.Add(time.Hour); at.Before(back); at = at.Add(time.Hour) {
				w.poll(at)
			}
			w.know(all...)
			for at := back; !at.After(back.Add(2 * printing.OrderLostAfter)); at = at.Add(time.Hour) {
				if errs := w.poll(at); len(errs) != 0 {
					t.Fatalf("run at %s, the provider back, logged errors:\n%s", at, strings.Join(errs, "\n"))
				}
			}
			w.wantNoneLost("the provider back")
		}},
		{"the provider comes back without one order", func(t *testing.T, w *lostWorld) {
			w.forget(all...)
			back := w.t0.Add(30 * time.Hour)
			for at := w.t0.Add(time.Hour); at.Before(back); at = at.Add(time.Hour) {
				w.poll(at)
			}
			w.know(1, 2, 3)
			// The 404s while it knew none did not count: the window starts
			// at back.
			for at := back; at.Before(back.Add(printing.OrderLostAfter)); at = at.Add(time.Hour) {
				w.poll(at)
			}
			w.wantNoneLost("the provider back, one order 404 for under 24 h")
			w.poll(back.Add(printing.OrderLostAfter))
			w.want("the provider back, one order 404 for 24 h", 0, store.PrintStateFailed, store.ReasonPrintLost)
		}},
		{"a witness that fails now and then", func(t *testing.T, w *lostWorld) {
			// Order 0 is forgotten, the others known; for 12 hours in the
			// middle of its window every request of a run after its first
			// fails 503: a run whose first request was order 0's 404 asks
			// a witness that fails. Such a run cannot tell: the window
			// runs on (before: it was ended, and began again after).
			w.forget(0)
			var mu sync.Mutex
			flaky, first := false, -1
			w.srv.Script(func(rw http.ResponseWriter, n int) bool {
				mu.Lock()
				defer mu.Unlock()
				if first < 0 {
					first = n
				}
				if flaky && n > first {
					rw.WriteHeader(http.StatusServiceUnavailable)
					return true
				}
				return false
			})
			start := w.t0.Add(time.Hour)
			warned := 0
			for at := start; at.Before(start.Add(printing.OrderLostAfter)); at = at.Add(20 * time.Minute) {
				mu.Lock()
				flaky, first = at.After(start.Add(6*time.Hour)) && at.Before(start.Add(18*time.Hour)), -1
				mu.Unlock()
				w.poll(at)
				if strings.Contains(w.log.String(), "not judged in this run") {
					warned++
				}
			}
			if warned == 0 {
				t.Error("no run asked a witness that failed: the test does not test what it says")
			}
			w.want("404s for under 24 h, a flaky witness", 0, store.PrintStateReceived, "")
			w.poll(start.Add(printing.OrderLostAfter))
			w.want("404s for 24 h, a flaky witness", 0, store.PrintStateFailed, store.ReasonPrintLost)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, newLostWorld(t, n))
		})
	}
}

// lostWhileOthersFound: the provider answers 404 for the given letters'
// orders and knows the others: each is lost after printing.OrderLostAfter.
// Run every 20 minutes: the others are due hourly, the forgotten ones
// after their backoff, so most runs poll only those.
func lostWhileOthersFound(t *testing.T, w *lostWorld, forgotten ...int) {
	w.forget(forgotten...)
	first := w.t0.Add(time.Hour) // every order due: the others found
	for at := first; at.Before(first.Add(printing.OrderLostAfter)); at = at.Add(20 * time.Minute) {
		if errs := w.poll(at); len(errs) != 0 {
			t.Fatalf("run at %s logged errors:\n%s", at, strings.Join(errs, "\n"))
		}
	}
	w.wantNoneLost("404s for under 24 h")
	errs := w.poll(first.Add(printing.OrderLostAfter))
	lost := map[int]bool{}
	for _, i := range forgotten {
		lost[i] = true
		w.want("404s for 24 h", i, store.PrintStateFailed, store.ReasonPrintLost)
	}
	for i := range w.ids {
		if !lost[i] {
			w.want("found throughout", i, store.PrintStateReceived, "")
		}
	}
	if len(errs) != len(forgotten) {
		t.Errorf("the run that lost the orders logged %d errors, want one for each of %d:\n%s", len(errs), len(forgotten), strings.Join(errs, "\n"))
	}
	for _, e := range errs {
		if strings.Contains(e, "knows none") {
			t.Errorf("the provider knows orders, yet: %s", e)
		}
	}
}

// TestProviderFakeCancelNotFound: a letter opened after its order was
// placed gets the order cancelled; when the provider answers the cancel
// 404 (it does not know the order) while it knows postvakt's other
// orders, the cancel is asked again with its backoff, not given up on one
// answer, and after printing.OrderLostAfter of such answers there is
// nothing to cancel: the order ends failed, the letter's print stage
// print_cancelled, no manual handling (nobody waits for the paper), no
// second order, and the cancel is not asked again. Before, the cancel was
// asked for ever. A provider that knows none of the orders ends nothing,
// nor does one whose cancel answers 404 for an order its status poll finds
// (a cancel endpoint missing): the cancel is asked again with its backoff.
func TestProviderFakeCancelNotFound(t *testing.T) {
	for _, c := range []struct {
		name     string
		forget   []int
		noCancel bool
		ends     bool
	}{
		{"the others known", []int{0}, false, true},
		{"the provider knows none", []int{0, 1, 2}, false, false},
		{"the cancel answers 404 for an order the provider holds", nil, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newLostWorld(t, 3)
			w.forget(c.forget...)
			w.f.mu.Lock()
			w.f.noCancel = c.noCancel
			w.f.mu.Unlock()
			storetest.Set(t, w.st, w.ids[:1], storetest.State(model.StateOpened))
			first := w.t0.Add(time.Hour)
			for at := first; at.Before(first.Add(printing.OrderLostAfter)); at = at.Add(20 * time.Minute) {
				w.poll(at)
			}
			w.want("cancel 404 for under 24 h", 0, store.PrintStateReceived, "")
			w.f.mu.Lock()
			asked := w.f.cancels[w.order[0]]
			w.f.mu.Unlock()
			if asked < 2 || asked > 40 {
				t.Errorf("the cancel was asked %d times in 24 h, want again with its backoff", asked)
			}
			end := first.Add(printing.OrderLostAfter + time.Hour)
			for at := first.Add(printing.OrderLostAfter); !at.After(end); at = at.Add(20 * time.Minute) {
				w.poll(at)
			}
			var r struct {
				State       string `db:"state"`
				Stage       string `db:"stage"`
				CancelTried bool   `db:"cancel_tried"`
				Manual      int    `db:"manual"`
			}
			if err := w.st.DB().Get(&r, `SELECT p.state, s.stage, p.cancel_tried,
					(SELECT count(*) FROM print_manual m WHERE m.shipment_id = p.shipment_id) AS manual
				FROM print_orders p JOIN shipments s ON s.id = p.shipment_id WHERE p.shipment_id = $1`, w.ids[0]); err != nil {
				t.Fatal(err)
			}
			w.f.mu.Lock()
			asked, creates := w.f.cancels[w.order[0]], w.f.creates[w.key(0)]
			w.f.mu.Unlock()
			if !c.ends {
				if r.State != store.PrintStateReceived || r.CancelTried || r.Manual != 0 || asked < 2 {
					t.Errorf("%+v, cancel asked %d times; want the order followed, the cancel still wanted and asked again", r, asked)
				}
				return
			}
			if r.State != store.PrintStateFailed || r.Stage != string(model.StagePrintCancelled) || !r.CancelTried || r.Manual != 0 {
				t.Errorf("cancel 404 for 24 h: %+v; want failed, stage print_cancelled, cancel tried, no manual handling", r)
			}
			for at := end.Add(time.Hour); at.Before(end.Add(6 * time.Hour)); at = at.Add(time.Hour) {
				w.poll(at)
			}
			w.f.mu.Lock()
			again := w.f.cancels[w.order[0]]
			w.f.mu.Unlock()
			if again != asked || creates != 1 {
				t.Errorf("after the order ended: %d more cancels, %d creates; want none, one create", again-asked, creates)
			}
			w.want("known throughout", 1, store.PrintStateReceived, "")
		})
	}
}

// TestProviderFakeCancelAnsweredUncancelled: a cancel the provider answers
// 200 with the order still received (it queued the cancel, or ignored it)
// is not a cancel: no print_cancelled in the evidence, and the cancel is
// asked again with its backoff until the provider says cancelled.
func TestProviderFakeCancelAnsweredUncancelled(t *testing.T) {
	w := newLostWorld(t, 2)
	w.f.mu.Lock()
	w.f.cancelIgnored = true
	w.f.mu.Unlock()
	storetest.Set(t, w.st, w.ids[:1], storetest.State(model.StateOpened))
	events := func() (cancelled int, tried bool) {
		t.Helper()
		if err := w.st.DB().QueryRow(`SELECT (SELECT count(*) FROM shipment_events e WHERE e.shipment_id = p.shipment_id AND e.kind = $2),
				p.cancel_tried FROM print_orders p WHERE p.shipment_id = $1`, w.ids[0], store.EventPrintCancelled).Scan(&cancelled, &tried); err != nil {
			t.Fatal(err)
		}
		return cancelled, tried
	}
	w.poll(w.t0.Add(time.Hour))
	if n, tried := events(); n != 0 || tried {
		t.Errorf("cancel answered 200 with the order received: %d print_cancelled events, cancel_tried %v; want none, false", n, tried)
	}
	w.f.mu.Lock()
	w.f.cancelIgnored = false
	w.f.mu.Unlock()
	w.poll(w.t0.Add(2 * time.Hour))
	w.want("cancel taken", 0, store.PrintStateCancelled, "")
	if n, tried := events(); n != 1 || !tried {
		t.Errorf("cancel taken: %d print_cancelled events, cancel_tried %v; want one, true", n, tried)
	}
}
