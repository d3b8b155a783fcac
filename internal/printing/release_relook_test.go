package printing_test

// A print held for approval carries the address the register gave the day
// it was decided; a batch can wait weeks. Its release looks the address up
// again (through the register's cache: fresh answers are not asked again),
// so an order goes to where the organisation is now, and one that ceased
// meanwhile goes to manual handling instead. (Found by an independent
// review of the registers.)

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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

// registerAndProvider is Enhetsregisteret (one organisation, its answer
// settable) and a print provider that takes every order, on one server.
type registerAndProvider struct {
	mu     sync.Mutex
	body   string
	asked  int
	orders []string
	url    string
}

func newRegisterAndProvider(t *testing.T, body string) *registerAndProvider {
	f := &registerAndProvider{body: body}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/enheter/{orgnr}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.asked++
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(f.body))
	})
	mux.HandleFunc("POST /print/v1/orders", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		b, _ := json.Marshal(req)
		f.mu.Lock()
		f.orders = append(f.orders, string(b))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"o1","state":"received"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *registerAndProvider) set(body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body = body
}

func (f *registerAndProvider) counts() (asked int, orders []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked, append([]string(nil), f.orders...)
}

func TestReleaseLooksTheAddressUpAgain(t *testing.T) {
	const (
		oslo    = `{"organisasjonsnummer":"974760673","navn":"Gamle Adresse AS","postadresse":{"adresse":["Gamleveien 1"],"postnummer":"0150","poststed":"OSLO","landkode":"NO","land":"Norge"}}`
		bergen  = `{"organisasjonsnummer":"974760673","navn":"Gamle Adresse AS","postadresse":{"adresse":["Nyveien 9"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO","land":"Norge"}}`
		bankrot = `{"organisasjonsnummer":"974760673","navn":"Gamle Adresse AS","konkurs":true,"postadresse":{"adresse":["Nyveien 9"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO","land":"Norge"}}`
	)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		later     time.Duration // from the decision to the release
		now       string        // the register's answer at the release
		wantAsked int           // register calls at the release
		wantPrint string        // the order's street line; "" for none
		wantStage model.Stage
	}{
		{"moved, released three weeks later", 21 * 24 * time.Hour, bergen, 1, "Nyveien 9", model.StagePrintOrdered},
		{"bankrupt, released three weeks later", 21 * 24 * time.Hour, bankrot, 1, "", model.StageManual},
		{"released the same day: the cached answer", 2 * time.Hour, bankrot, 0, "Gamleveien 1", model.StagePrintOrdered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			f := newRegisterAndProvider(t, oslo)
			client := func(name, base string) *httpclient.Client {
				c, err := httpclient.New(httpclient.Options{Name: name, BaseURL: f.url + base, MaxRetries: -1, Logger: quiet})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			svc := printing.New(st, printing.Options{Register: client("register", "/api"), Provider: client("print", "/print"),
				CacheTTL: 24 * time.Hour, Logger: quiet})
			ships := storetest.Register(t, st, storetest.Letter(1))
			id := ships[0].ID
			if err := svc.Order(ctx, storetest.IDs(ships), "barnevern", true, t0); err != nil {
				t.Fatal(err)
			}
			var batch int64
			if err := st.DB().Get(&batch, `SELECT batch_id FROM print_orders WHERE shipment_id = $1 AND state = 'held'`, id); err != nil {
				t.Fatalf("the print is not held: %v", err)
			}
			f.set(tc.now)
			before, _ := f.counts()
			later := t0.Add(tc.later)
			if n, err := svc.Approve(ctx, batch, "compliance", later); err != nil || n.Decided != 1 {
				t.Fatalf("release: %+v, %v", n, err)
			}
			if _, err := svc.RunOnce(ctx, later); err != nil {
				t.Fatal(err)
			}
			asked, orders := f.counts()
			if asked-before != tc.wantAsked {
				t.Errorf("register asked %d times at the release, want %d", asked-before, tc.wantAsked)
			}
			switch {
			case tc.wantPrint == "" && len(orders) > 0:
				t.Errorf("an order was placed for a ceased organisation: %v", orders)
			case tc.wantPrint != "" && (len(orders) != 1 || !strings.Contains(orders[0], tc.wantPrint)):
				t.Errorf("orders %v, want one to %s", orders, tc.wantPrint)
			}
			var stage model.Stage
			if err := st.DB().Get(&stage, `SELECT stage FROM shipments WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if stage != tc.wantStage {
				t.Errorf("stage %s, want %s", stage, tc.wantStage)
			}
			var kinds []string
			if err := st.DB().Select(&kinds, `SELECT kind FROM shipment_events WHERE shipment_id = $1 AND kind LIKE 'print%' ORDER BY id`, id); err != nil {
				t.Fatal(err)
			}
			want := []string{store.EventPrintHeld, store.EventPrintReleased}
			if !strings.HasPrefix(strings.Join(kinds, " "), strings.Join(want, " ")) {
				t.Errorf("events %v, want them to start with %v", kinds, want)
			}
			if strings.Count(strings.Join(kinds, " "), store.EventPrintHeld) != 1 {
				t.Errorf("the released print was held again: %v", kinds)
			}
		})
	}
}
