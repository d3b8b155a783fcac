package printing_test

// A fake print provider written from the contract provider.go documents
// (POST /v1/orders under an Idempotency-Key, GET /v1/orders/{id}, POST
// /v1/orders/{id}/cancel), not from the simulator, answering as a real
// provider may: an order accepted whose answer was a 503, a 409 for a key
// already used, a state the mapping does not know, a 400 problem+json.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// fakeProvider holds the orders by idempotency key and answers each
// letter's creates and polls as its behaviour says.
type fakeProvider struct {
	mu      sync.Mutex
	orders  map[string]string // key → order id
	creates map[string]int    // key → POSTs seen
	answer  map[string]func(w http.ResponseWriter, id string, n int, isNew bool)
	state   map[string]string // order id → state a GET answers
	cancels map[string]int    // order id → cancels seen
	// noCancel: every cancel is answered 404, also for an order a GET
	// finds (a cancel endpoint missing at the provider).
	noCancel bool
	// cancelIgnored: every cancel is answered 200 with the order as it
	// is, not cancelled (a provider that queues the cancel, or ignores it).
	cancelIgnored bool
}

func newFakeProvider(t *testing.T) (*fakeProvider, *httpfake.Server) {
	f := &fakeProvider{orders: map[string]string{}, creates: map[string]int{},
		answer: map[string]func(http.ResponseWriter, string, int, bool){}, state: map[string]string{},
		cancels: map[string]int{}}
	srv := httpfake.New(t, httpfake.Bearer("print-key"))
	srv.Handle("POST /v1/orders", func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		var o struct {
			DocumentRef string `json:"documentRef"`
			Address     struct {
				Lines      []string `json:"lines"`
				PostalCode string   `json:"postalCode"`
			} `json:"address"`
		}
		if key == "" || json.NewDecoder(r.Body).Decode(&o) != nil || o.DocumentRef == "" || len(o.Address.Lines) == 0 {
			t.Errorf("order without a key or a body: %q %+v", key, o)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.creates[key]++
		n := f.creates[key]
		id, ok := f.orders[key]
		if !ok {
			id = fmt.Sprintf("ord-%d", len(f.orders)+1)
			f.orders[key] = id
			f.state[id] = "received"
		}
		fn := f.answer[key]
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if fn != nil {
			fn(w, id, n, !ok)
			return
		}
		if ok {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, `{"id":%q,"state":"received"}`, id)
	})
	srv.Handle("GET /v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		st, ok := f.state[r.PathValue("id")]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"state":%q}`, r.PathValue("id"), st)
	})
	// A cancel: 404 for an order it does not know, the order cancelled
	// while received, else 409 with its state (too late).
	srv.Handle("POST /v1/orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		f.mu.Lock()
		f.cancels[id]++
		st, ok := f.state[id]
		if ok && st == store.PrintStateReceived && !f.noCancel && !f.cancelIgnored {
			st = store.PrintStateCancelled
			f.state[id] = st
		}
		f.mu.Unlock()
		if !ok || f.noCancel {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if st != store.PrintStateCancelled && !f.cancelIgnored {
			w.WriteHeader(http.StatusConflict)
			fmt.Fprintf(w, `{"error":"too late","state":%q}`, st)
			return
		}
		fmt.Fprintf(w, `{"id":%q,"state":%q}`, id, st)
	})
	return f, srv
}

// TestProviderFakeHostileAnswers: each letter's order meets one of a real
// provider's answers. Whatever it is, the provider ends with at most one
// order per letter; an order the provider holds is recorded as placed;
// one letter's answer is its own. A 409 that does not name the order under
// the key (an order exists, postvakt cannot tell which) is sent once and
// goes to manual handling (print_key_used), never sent again: it used to
// be sent again at every drain, and a provider that forgets its keys
// would then take a second order.
func TestProviderFakeHostileAnswers(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	const n = 8
	ids, now := printable(t, st, storetest.Letters(n)...)
	f, srv := newFakeProvider(t)
	key := func(i int) string { return "postvakt-print-" + ids[i] }
	const (
		plain = iota
		lost503
		conflictWithOrder
		conflictBare
		unknownOnCreate
		unknownOnPoll
		refused
		numericID
	)
	// An order accepted, its answer a 503; asked again, the same order.
	f.answer[key(lost503)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		if n == 1 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<html>upstream timed out</html>")
			return
		}
		fmt.Fprintf(w, `{"id":%q,"state":"received"}`, id)
	}
	// The key was used before (an earlier run's answer lost): 409 naming the order.
	f.orders[key(conflictWithOrder)], f.state["ord-earlier"] = "ord-earlier", "received"
	f.answer[key(conflictWithOrder)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		w.WriteHeader(http.StatusConflict)
		fmt.Fprintf(w, `{"error":"an order exists under this Idempotency-Key","id":%q,"state":"received"}`, id)
	}
	// The same, without naming the order.
	f.orders[key(conflictBare)], f.state["ord-earlier-2"] = "ord-earlier-2", "received"
	f.answer[key(conflictBare)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprint(w, `{"title":"Conflict","status":409,"detail":"Idempotency-Key already used"}`)
	}
	// A state the mapping does not know, on the create's answer.
	f.answer[key(unknownOnCreate)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		if isNew {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, `{"id":%q,"state":"queued_for_print"}`, id)
	}
	// Refused: problem+json.
	f.answer[key(refused)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		f.mu.Lock()
		delete(f.orders, key(refused))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"type":"about:blank","title":"Bad Request","status":400,"detail":"postalCode 5003 does not match city"}`)
	}
	// An order id as a whole number (a provider whose ids are database keys).
	f.answer[key(numericID)] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		f.mu.Lock()
		f.orders[key(numericID)], f.state["12345"] = "12345", "received"
		f.mu.Unlock()
		if isNew {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprint(w, `{"id":12345,"state":"received"}`)
	}
	svc := ordered(t, st, srv.URL, ids, now)
	for h := 0; h < 6; h++ { // drains after each backoff
		if _, err := svc.Drain(ctx, now.Add(time.Duration(h)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// A state the mapping does not know, on a poll.
	f.mu.Lock()
	f.state[f.orders[key(unknownOnPoll)]] = "handed_to_postal_service"
	f.mu.Unlock()
	if _, err := svc.PollStatus(ctx, now.Add(8*time.Hour)); err != nil {
		t.Fatal(err)
	}

	type row struct {
		State   string `db:"state"`
		OrderID string `db:"order_id"`
	}
	get := func(i int) (row, string) {
		var r row
		if err := st.DB().Get(&r, `SELECT state, order_id FROM print_orders WHERE shipment_id = $1`, ids[i]); err != nil {
			t.Fatal(err)
		}
		sh, err := st.Shipment(ctx, ids[i], store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		return r, string(sh.Stage)
	}
	f.mu.Lock()
	orders, creates := f.orders, f.creates
	f.mu.Unlock()
	for i, c := range []struct {
		name    string
		state   string
		orderID string
	}{
		{"plain", store.PrintStateReceived, orders[key(plain)]},
		{"503 after the order was accepted", store.PrintStateReceived, orders[key(lost503)]},
		{"409 naming the order", store.PrintStateReceived, "ord-earlier"},
		{"409 not naming it", store.PrintStateFailed, ""},
		{"unknown state on create", store.PrintStateReceived, orders[key(unknownOnCreate)]},
		{"unknown state on poll", store.PrintStateReceived, orders[key(unknownOnPoll)]},
		{"400 problem+json", store.PrintStateFailed, ""},
		{"an order id as a whole number", store.PrintStateReceived, "12345"},
	} {
		r, stage := get(i)
		if c.state != "" && (r.State != c.state || r.OrderID != c.orderID) {
			t.Errorf("%s: state %s order %q stage %s, want %s %q", c.name, r.State, r.OrderID, stage, c.state, c.orderID)
		}
		if c.state == "" && (stage == string(model.StageManual) || r.OrderID != "") {
			t.Errorf("%s: state %s order %q stage %s; want it still being placed, not manual", c.name, r.State, r.OrderID, stage)
		}
		if i != refused && creates[key(i)] == 0 {
			t.Errorf("%s: never sent", c.name)
		}
	}
	if c := creates[key(conflictBare)]; c != 1 {
		t.Errorf("409 not naming the order: sent %d times, want once", c)
	}
	if c := creates[key(numericID)]; c != 1 {
		t.Errorf("an order id as a whole number: sent %d times, want once (placed at the first answer)", c)
	}
	var reason string
	if err := st.DB().Get(&reason, `SELECT reason FROM print_manual WHERE shipment_id = $1`, ids[conflictBare]); err != nil ||
		reason != store.ReasonPrintKeyUsed {
		t.Errorf("409 not naming the order: manual reason %q (%v), want %s", reason, err, store.ReasonPrintKeyUsed)
	}
	if len(orders) != n-1 {
		t.Errorf("provider holds %d orders, want %d (one per letter but the refused one)", len(orders), n-1)
	}
}

// printable registers items as available letters (SvarUt's VARSLET) whose
// recipient, 974760673, has a postal address in the register: letters a
// print order can be placed for. It returns their ids and the time the
// register entry was fetched, the tests' now.
func printable(t *testing.T, st *store.Store, items ...model.NewShipment) (ids []string, now time.Time) {
	t.Helper()
	ids = storetest.IDs(storetest.Register(t, st, items...))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("VARSLET"))
	now = time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	storetest.CacheRegisterAnswer(t, st, "974760673", now)
	return ids, now
}
