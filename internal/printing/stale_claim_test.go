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
