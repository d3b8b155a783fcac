package printing_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestProviderFakeUnstorableCreateAnswers: a create answered 201 with an
// order the answer names, in a body PostgreSQL cannot store as it came (a
// \u0000 escape, a byte that is not UTF-8, in a field postvakt does not
// read), is that order placed; and whatever one letter's answer is, the
// letters after it in the batch are placed in the same drain.
func TestProviderFakeUnstorableCreateAnswers(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	const n = 5
	ids, now := printable(t, st, storetest.Letters(n)...)
	sort.Strings(ids) // the outbox is sent in this order
	const gateway = 3 // a gateway's page with a NUL byte, 503: sent again later
	f, srv := newFakeProvider(t)
	key := func(i int) string { return "postvakt-print-" + ids[i] }
	bodies := []string{
		`{"id":%q,"state":"received","note":"a\u0000b"}`,
		"{\"id\":%q,\"state\":\"received\",\"note\":\"caf\xe9\"}",
		`{"id":%q,"state":"received","failureReason":"x\u0000y"}`,
	}
	for i, b := range bodies {
		f.answer[key(i)] = func(w http.ResponseWriter, id string, _ int, isNew bool) {
			if isNew {
				w.WriteHeader(http.StatusCreated)
			}
			fmt.Fprintf(w, b, id)
		}
	}
	f.answer[key(gateway)] = func(w http.ResponseWriter, id string, _ int, isNew bool) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html>upstream\x00 down</html>")
	}
	svc := ordered(t, st, srv.URL, ids, now)
	if _, err := svc.Drain(ctx, now); err != nil {
		t.Errorf("drain: %v", err)
	}
	f.mu.Lock()
	orders := map[string]string{}
	for k, v := range f.orders {
		orders[k] = v
	}
	f.mu.Unlock()
	for i := range ids {
		var r struct {
			State   string `db:"state"`
			OrderID string `db:"order_id"`
		}
		if err := st.DB().Get(&r, `SELECT state, order_id FROM print_orders WHERE shipment_id = $1`, ids[i]); err != nil {
			t.Fatal(err)
		}
		if i == gateway {
			var lastError string
			if err := st.DB().Get(&lastError, `SELECT last_error FROM print_outbox WHERE shipment_id = $1`, ids[i]); err != nil ||
				r.State != store.PrintStateQueued || lastError == "" {
				t.Errorf("gateway's 503: order %q state %s, outbox error %q (%v); want queued with its error", r.OrderID, r.State, lastError, err)
			}
			continue
		}
		if r.State != store.PrintStateReceived || r.OrderID != orders[key(i)] {
			t.Errorf("letter %d: order %q state %s after one drain, want %q received", i, r.OrderID, r.State, orders[key(i)])
		}
	}
}

// TestProviderFakeUnstorableStatusAnswers: status polls answered in bodies
// PostgreSQL cannot store as they came (a \u0000 escape in a field
// postvakt does not read, one in the failure reason, a byte that is not
// UTF-8) are recorded, and the orders polled after them in the same run
// are recorded too.
func TestProviderFakeUnstorableStatusAnswers(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	const n = 4
	ids, now := printable(t, st, storetest.Letters(n)...)
	sort.Strings(ids) // the orders are polled in this order
	f, srv := newFakeProvider(t)
	svc := placed(t, st, srv.URL, ids, now)
	f.mu.Lock()
	oid := func(i int) string { return f.orders["postvakt-print-"+ids[i]] }
	answers := map[string]string{
		oid(0): `{"id":%q,"state":"printed","note":"a\u0000b"}`,
		oid(1): `{"id":%q,"state":"failed","failureReason":"paper\u0000jam"}`,
		oid(2): "{\"id\":%q,\"state\":\"posted\",\"note\":\"caf\xe9\"}",
	}
	f.state[oid(3)] = "printed"
	want := []string{store.PrintStatePrinted, store.PrintStateFailed, store.PrintStatePosted, store.PrintStatePrinted}
	f.mu.Unlock()
	for id, b := range answers {
		srv.Handle("GET /v1/orders/"+id, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, b, id)
		})
	}
	if _, err := svc.PollStatus(ctx, now.Add(time.Hour)); err != nil {
		t.Errorf("poll: %v", err)
	}
	for i := range ids {
		var state string
		if err := st.DB().Get(&state, `SELECT state FROM print_orders WHERE shipment_id = $1`, ids[i]); err != nil {
			t.Fatal(err)
		}
		if state != want[i] {
			t.Errorf("order %d: state %s after one poll, want %s", i, state, want[i])
		}
	}
}

// TestRegisterAnswerUnstorableAddress: an Enhetsregisteret answer whose
// address line holds a \u0000 escape (valid JSON, kept cleaned in the
// register cache) no longer fails the write of its letter's print decision
// (the order body in the event's evidence), which stopped the lookup of
// every letter after it in the batch.
func TestRegisterAnswerUnstorableAddress(t *testing.T) {
	st, ids := orderTwo(t, [2]string{
		`{"organisasjonsnummer":"974760673","navn":"MOTTAKER AS","postadresse":{"adresse":["Postboks\u00001"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO"}}`,
		plainUnit})
	for i, id := range ids {
		var state string
		if err := st.DB().Get(&state, `SELECT state FROM print_orders WHERE shipment_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if state != store.PrintStateQueued {
			t.Errorf("letter %d: print %s after its lookup, want %s", i, state, store.PrintStateQueued)
		}
	}
	// The envelope gets the line without the NUL, not its escape.
	var request string
	if err := st.DB().Get(&request, `SELECT request::text FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(request, `"Postboks 1"`) {
		t.Errorf("the print request of the letter whose address line held a NUL: %s, want the line \"Postboks 1\"", request)
	}
}

// TestStatusAnswerNamingAnotherOrder: a status poll (or cancel) answered
// with another order than the one asked about (a cache or gateway in front
// of the provider mixing its answers up) is a failed poll, asked again: not
// that other order's state taken as this one's (posted, closing the
// letter's escalation while its own order may be lost).
func TestStatusAnswerNamingAnotherOrder(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(0), storetest.Letter(1))
	sort.Strings(ids)
	f, srv := newFakeProvider(t)
	svc := placed(t, st, srv.URL, ids, now)
	f.mu.Lock()
	mine, other := f.orders["postvakt-print-"+ids[0]], f.orders["postvakt-print-"+ids[1]]
	f.state[other] = store.PrintStatePosted
	f.mu.Unlock()
	srv.Handle("GET /v1/orders/"+mine, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"state":"posted"}`, other)
	})
	if _, err := svc.PollStatus(ctx, now.Add(time.Hour)); err != nil {
		t.Errorf("poll: %v", err)
	}
	var r struct {
		State     string `db:"state"`
		LastError string `db:"last_error"`
	}
	if err := st.DB().Get(&r, `SELECT state, last_error FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if r.State != store.PrintStateReceived || r.LastError == "" {
		t.Errorf("order %s answered with order %s posted: state %s, last error %q; want received, a failed poll", mine, other, r.State, r.LastError)
	}
	sh, err := st.Shipment(ctx, ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.Stage == model.StagePrinted {
		t.Errorf("letter whose poll named another order: stage %s", sh.Stage)
	}
}

// orderWithRegister orders the print of two letters, to the
// organisations 974760673 and 971526920, whose register answers are the
// given bodies, and returns each letter's print state and last error.
func orderWithRegister(t *testing.T, bodies [2]string) (states, errs [2]string) {
	t.Helper()
	st, ids := orderTwo(t, bodies)
	for i, id := range ids {
		if err := st.DB().QueryRow(`SELECT state, last_error FROM print_orders WHERE shipment_id = $1`, id).Scan(&states[i], &errs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return states, errs
}

// orderTwo orders the print of two letters, to the organisations
// 974760673 and 971526920, whose register answers are the given bodies,
// and returns the store and the letters' ids.
func orderTwo(t *testing.T, bodies [2]string) (*store.Store, []string) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	orgs := [2]string{"974760673", "971526920"}
	a, b := storetest.Letter(0), storetest.Letter(1)
	a.RecipientID, b.RecipientID = orgs[0], orgs[1]
	ids := storetest.IDs(storetest.Register(t, st, a, b))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("VARSLET"))
	now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	reg := httpfake.New(t, nil)
	for i, org := range orgs {
		body := bodies[i]
		reg.Handle("GET /enheter/"+org, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		})
	}
	svc := registerService(t, st, reg)
	if err := svc.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
		t.Errorf("order: %v", err)
	}
	return st, ids
}

// registerService is a print service over the register fake reg and a
// fake provider, its clients neither retrying nor breaking a circuit.
func registerService(t *testing.T, st *store.Store, reg *httpfake.Server) *printing.Service {
	t.Helper()
	_, prov := newFakeProvider(t)
	client := func(url string) *httpclient.Client {
		c, err := httpclient.New(httpclient.Options{Name: "x", BaseURL: url, MaxRetries: -1, BreakerThreshold: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return printing.New(st, printing.Options{Register: client(reg.URL), Provider: client(prov.URL), ProviderAPIKey: "print-key", Logger: quiet})
}

// plainUnit is a register answer about 971526920 with a postal address.
const plainUnit = `{"organisasjonsnummer":"971526920","navn":"MOTTAKER AS","postadresse":{"adresse":["Postboks 1"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO"}}`

// TestRegisterErrorUnstorableText: a register answer whose error text
// PostgreSQL cannot store (it names another organisation number with a
// \u0000 in it) is that letter's lookup error, retried later: it neither
// fails the run nor stops the lookup of the letters after it.
func TestRegisterErrorUnstorableText(t *testing.T) {
	states, errs := orderWithRegister(t, [2]string{
		`{"organisasjonsnummer":"97476\u00000673","navn":"MOTTAKER AS","postadresse":{"adresse":["Postboks 1"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO"}}`,
		plainUnit})
	if states != [2]string{store.PrintStateLookup, store.PrintStateQueued} {
		t.Errorf("prints after their lookups: %q, want lookup (retried) and queued", states)
	}
	if errs[0] == "" {
		t.Errorf("letter 0: no lookup error recorded")
	}
}

// TestRegisterManualUnstorableText: a register answer that sends a letter
// to manual handling with the register's own words in its detail (the
// country of an address abroad, the date a unit was deleted) holding a
// \u0000 is that letter's manual case, its detail stored without the NUL:
// it neither fails the run nor stops the lookup of the letters after it.
func TestRegisterManualUnstorableText(t *testing.T) {
	for name, odd := range map[string]string{
		"country abroad": `{"organisasjonsnummer":"974760673","navn":"MOTTAKER AB","postadresse":{"adresse":["Storgatan 1"],"postnummer":"11122","poststed":"STOCKHOLM","land":"Sver\u0000ige","landkode":"SE"}}`,
		"deleted on":     `{"organisasjonsnummer":"974760673","navn":"MOTTAKER AS","slettedato":"2024-01-0\u00002"}`,
	} {
		t.Run(name, func(t *testing.T) {
			states, _ := orderWithRegister(t, [2]string{odd, plainUnit})
			if states != [2]string{store.PrintStateManual, store.PrintStateQueued} {
				t.Errorf("prints after their lookups: %q, want manual and queued", states)
			}
		})
	}
}
