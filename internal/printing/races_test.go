package printing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A drain whose claim ran out (its batch took longer than
// the lease: a slow provider, retries) still holds its in-memory outbox
// items with Attempts 1. Meanwhile a second drain (another replica's
// `postvakt print drain`, or `postvakt escalate --once`, which run outside
// the scheduled job's lock) claimed the same row, sent it, and the provider
// accepted the order but the answer was lost (503): the row stays in the
// outbox, to be sent again under its key. The letter is then opened. The
// first drain reaches the row: Attempts 1 says "never reached the provider",
// so it skips it, and FinishPrintSend deletes the outbox row another claim
// owns. The provider holds an order that postvakt recorded as "skipped"
// ("no print"), never follows and never cancels: an opened letter is
// printed and posted, and the evidence says it was not.
func TestStaleClaimSkipLeavesAnotherClaimsOrder(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(1), storetest.Letter(2))
	sort.Strings(ids) // the claim's order: next_attempt_at, shipment_id
	first, second := ids[0], ids[1]
	key := func(id string) string { return "postvakt-print-" + id }
	f, srv := newFakeProvider(t)

	inA, proceed := make(chan struct{}), make(chan struct{})
	f.answer[key(first)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		if n == 1 { // drain A's call: slow, its lease runs out meanwhile
			close(inA)
			<-proceed
		}
		if isNew {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, `{"id":%q,"state":"received"}`, id)
	}
	f.answer[key(second)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		if n == 1 { // drain B's call: accepted, its answer lost
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<html>gateway timeout</html>")
			return
		}
		fmt.Fprintf(w, `{"id":%q,"state":"received"}`, id)
	}
	client, err := httpclient.New(httpclient.Options{Name: "print", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	opt := printing.Options{Provider: client, ProviderAPIKey: "print-key", BatchSize: 10, Lease: time.Minute, Logger: quiet}
	a, b := printing.New(st, opt), printing.New(st, opt)
	if err := a.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := a.Drain(ctx, now); done <- err }()
	<-inA
	// Drain B, after A's lease: claims both rows, places the first's
	// order (found by key), the second's accepted with a lost answer.
	later := now.Add(2 * time.Minute)
	if _, err := b.Drain(ctx, later); err != nil {
		t.Fatal(err)
	}
	// The second letter is opened.
	sh, err := st.Shipment(ctx, second, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if w, err := st.ApplyPoll(ctx, []store.PollResult{{
		Due:    store.Due{ID: second, ChannelID: sh.ChannelID, State: model.StateAvailable, ChannelStatus: "VARSLET", SentAt: sh.SentAt},
		Source: "svarut", ObservedAt: later, Status: "LEST", State: model.StateOpened}}); err != nil || w.Changed != 1 {
		t.Fatalf("poll: %+v %v", w, err)
	}
	close(proceed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Every later run of the print job, over a day.
	for h := 1; h <= 24; h++ {
		if _, err := b.RunOnce(ctx, later.Add(time.Duration(h)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	orderID := f.orders[key(second)]
	provState, cancels := f.state[orderID], f.cancels[orderID]
	f.mu.Unlock()
	var row struct {
		State   string `db:"state"`
		OrderID string `db:"order_id"`
	}
	if err := st.DB().Get(&row, `SELECT state, order_id FROM print_orders WHERE shipment_id = $1`, second); err != nil {
		t.Fatal(err)
	}
	t.Logf("provider: order %s state %s, cancels %d; postvakt: print order state %s, order id %q", orderID, provState, cancels, row.State, row.OrderID)
	if orderID != "" && provState != store.PrintStateCancelled {
		t.Errorf("the opened letter's order %s stays %s at the provider (cancels asked: %d) while postvakt records the print as %q with order id %q: "+
			"it will be printed and posted, and the evidence says no print", orderID, provState, cancels, row.State, row.OrderID)
	}
}

// The print drain claims a batch of outbox rows, then calls the provider
// for them one after the other. A letter the poll cycle finds opened after
// the claim but before its own provider call (here: while the provider
// handles the batch's first order; in production, while earlier orders of
// the batch are placed, each with retries) is not ordered: the drain reads
// the letter again just before a first attempt (PrintStillWanted).
func TestRacePrintDrainOrdersLetterOpenedAfterClaim(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	a, b := storetest.Letter(1), storetest.Letter(2)
	ships := storetest.Register(t, st, a, b)
	ids := storetest.IDs(ships)
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("MOTTATT"))
	now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	storetest.CacheRegisterAnswer(t, st, "974760673", now)

	// The poll cycle, on another goroutine of the same replica or another
	// replica: it learns that a letter was opened.
	letters := map[string]model.NewShipment{ids[0]: a, ids[1]: b}
	var opened string
	open := func(id string) {
		l := letters[id]
		w, err := st.ApplyPoll(ctx, []store.PollResult{{
			Due:    store.Due{ID: id, ChannelID: l.ChannelID, State: model.StateAvailable, ChannelStatus: "MOTTATT", SentAt: l.SentAt},
			Source: "svarut", ObservedAt: now, Status: "LEST", State: model.StateOpened}})
		if err != nil || w.Changed != 1 {
			t.Errorf("poll: %+v %v", w, err)
		}
		opened = id
	}
	var mu sync.Mutex
	var ordered []string
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		mu.Lock()
		first := len(ordered) == 0
		ordered = append(ordered, key)
		mu.Unlock()
		if first {
			// The letter of the batch not yet sent is found opened,
			// committed before the drain sends its row.
			other := ids[0]
			if strings.HasSuffix(key, ids[0]) {
				other = ids[1]
			}
			open(other)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": "order-" + key, "state": "received"})
	}))
	defer prov.Close()
	client, err := httpclient.New(httpclient.Options{Name: "print", BaseURL: prov.URL, MaxRetries: 0, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	orderAndDrain(t, st, client, ids, now)
	sh, err := st.Shipment(ctx, opened, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("provider orders: %v; the letter opened meanwhile: state %s, stage %s, print events %v", ordered, sh.State, sh.Stage, kinds(sh))
	if sh.State != model.StateOpened || len(ordered) == 0 || strings.HasSuffix(ordered[0], opened) {
		t.Fatalf("setup: opened %s (%s), orders %v", opened, sh.State, ordered)
	}
	for _, k := range ordered[1:] {
		if strings.HasSuffix(k, opened) {
			t.Errorf("a print order was placed for letter %s, opened before its order was sent (key %s); its stage is now %s", opened, k, sh.Stage)
		}
	}
	// Its print was called off before any order: not among the letters
	// whose print was ordered (stage print_ordered), but print_cancelled.
	if sh.Stage != model.StagePrintCancelled {
		t.Errorf("the letter whose print was skipped is in stage %s, want %s", sh.Stage, model.StagePrintCancelled)
	}
}

// A print order whose send certainly never reached the provider (the
// connection refused) leaves its row one that was never sent: a letter
// opened before the next attempt is not ordered then. One that may have
// reached it (a 503) is sent again under its key (the provider may hold
// the order), and the order is cancelled by its status poll.
func TestPrintNotReachedIsNeverSent(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer busy.Close()
	for _, tc := range []struct {
		name      string
		first     string // the provider of the first attempt
		wantOrder bool   // the second attempt, after the letter was opened, places the order
	}{
		{"connection refused", refused.URL, false},
		{"503", busy.URL, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			l := storetest.Letter(1)
			ids := storetest.IDs(storetest.Register(t, st, l))
			storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("MOTTATT"))
			now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
			storetest.CacheRegisterAnswer(t, st, "974760673", now)
			down, err := httpclient.New(httpclient.Options{Name: "print", BaseURL: tc.first, MaxRetries: 0, BreakerThreshold: -1, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			orderAndDrain(t, st, down, ids, now)
			if sh, err := st.Shipment(ctx, ids[0], store.Scope{}); err != nil || count(kinds(sh), store.EventPrintError) != 1 {
				t.Fatalf("setup: the first attempt failed? %v %v", kinds(sh), err)
			}
			if w, err := st.ApplyPoll(ctx, []store.PollResult{{
				Due:    store.Due{ID: ids[0], ChannelID: l.ChannelID, State: model.StateAvailable, ChannelStatus: "MOTTATT", SentAt: l.SentAt},
				Source: "svarut", ObservedAt: now.Add(time.Minute), Status: "LEST", State: model.StateOpened}}); err != nil || w.Changed != 1 {
				t.Fatalf("poll: %+v %v", w, err)
			}
			f, srv := newFakeProvider(t)
			if _, err := printService(t, st, srv.URL).Drain(ctx, now.Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if (len(f.creates) > 0) != tc.wantOrder {
				t.Errorf("orders placed after the letter was opened: %v, want an order: %v", f.creates, tc.wantOrder)
			}
		})
	}
}

// TestLateLostAnswerAfterOrderFound: two replicas. Replica A claims an
// order whose 404s have run for printing.OrderLostAfter and gets one more
// 404, then is slow (its lease runs out before it records the answer);
// replica B claims the order again and the provider knows it (200). A's
// late answer must not send the letter to manual handling as lost: the
// run of 404s it judged was ended by B's answer. Before the fix
// ApplyPrintStatus ended the order failed (print_lost) whatever the row
// said since the claim.
func TestLateLostAnswerAfterOrderFound(t *testing.T) {
	w := newLostWorld(t, 2)
	// The lost order is the one claimed first (due_at ties: by shipment id).
	lost, kept := 0, 1
	if w.ids[1] < w.ids[0] {
		lost, kept = 1, 0
	}
	w.forget(lost)
	w.poll(w.t0.Add(time.Hour)) // the first 404: its window begins
	w.want("one 404", lost, store.PrintStateReceived, "")

	// Replica A: its first request (the lost order's GET) answers 404, its
	// second (the kept order's) waits until replica B is done.
	var mu sync.Mutex
	first := -1
	blocked, release := make(chan struct{}), make(chan struct{})
	w.srv.Script(func(rw http.ResponseWriter, n int) bool {
		mu.Lock()
		if first < 0 {
			first = n
		}
		second := n == first+1
		mu.Unlock()
		if second {
			close(blocked)
			<-release
		}
		return false
	})
	tA := w.t0.Add(time.Hour + printing.OrderLostAfter + time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := w.svc.PollStatus(w.ctx, tA)
		done <- err
	}()
	select {
	case <-blocked:
	case err := <-done:
		t.Fatalf("replica A's run ended before its second request: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("replica A never asked about its second order")
	}
	// Replica B, once A's lease is over: the provider knows the order again.
	w.srv.Script(nil)
	w.know(lost)
	if _, err := w.svc.PollStatus(w.ctx, tA.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.want("found by replica B", lost, store.PrintStateReceived, "")
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.want("replica A's late 404 after B found the order", lost, store.PrintStateReceived, "")
	w.want("known throughout", kept, store.PrintStateReceived, "")
}

// TestCreateRefusedUnseenIsNeverSent: the provider answers a create with
// a 4xx that takes no order (401 after its API key was rotated, 403, 404
// from a wrong path, 429), and the letter is opened before the provider
// takes orders again. Such an answer says the order was not placed, as a
// connection refused does: the letter is skipped, no order placed. Before,
// the 4xx counted as a send that may have reached the provider: once the
// key was fixed the order was placed for the letter read meanwhile, and
// only a cancel in time kept it from being printed.
func TestCreateRefusedUnseenIsNeverSent(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ids, now := printable(t, st, storetest.Letter(1))
			f, srv := newFakeProvider(t)
			var refusing atomic.Bool
			refusing.Store(true)
			srv.Script(func(w http.ResponseWriter, _ int) bool {
				if refusing.Load() {
					w.WriteHeader(status)
					return true
				}
				return false
			})
			svc := ordered(t, st, srv.URL, ids, now)
			if sum, err := svc.Drain(ctx, now); err != nil || sum.Retried != 1 {
				t.Fatalf("first drain: %s, %v; want the order retried", sum, err)
			}
			channelSays(t, st, ids[0], "LEST", model.StateOpened, "", now.Add(time.Minute))
			refusing.Store(false)
			sum, err := svc.Drain(ctx, now.Add(25*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			placed := len(f.orders)
			f.mu.Unlock()
			var state string
			if err := st.DB().Get(&state, `SELECT state FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			if placed != 0 || state != store.PrintStateSkipped || sum.Skipped != 1 {
				t.Errorf("after HTTP %d and the letter opened: %d orders at the provider, print %s (%s); want none, skipped",
					status, placed, state, sum)
			}
		})
	}
}
