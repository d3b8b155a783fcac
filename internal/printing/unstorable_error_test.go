package printing_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

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
