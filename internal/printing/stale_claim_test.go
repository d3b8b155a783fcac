package printing_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
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
