package sim

import (
	"net/http"
	"testing"
	"time"
)

func printBody(ref string) PrintOrderRequest {
	return PrintOrderRequest{DocumentRef: ref, RecipientName: "Fjord Bygg AS",
		Address: PrintAddress{Lines: []string{"Postboks 12"}, PostalCode: "5003", City: "BERGEN", CountryCode: "NO"}}
}

func TestPrintIdempotency(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 2, Options{})
	key := map[string]string{"Idempotency-Key": "shipment-1-print"}
	resp, data := e.do(e.request(http.MethodPost, "/print/v1/orders", printBody("doc-1"), key))
	first := decode[PrintOrder](t, data)
	if resp.StatusCode != http.StatusCreated || first.State != "received" || !isUUID(first.ID) {
		t.Fatalf("create: %d %s", resp.StatusCode, data)
	}
	for i := 0; i < 3; i++ {
		resp, data = e.do(e.request(http.MethodPost, "/print/v1/orders", printBody("doc-1"), key))
		if again := decode[PrintOrder](t, data); resp.StatusCode != http.StatusOK || again.ID != first.ID {
			t.Fatalf("repeat %d: %d %s", i, resp.StatusCode, data)
		}
	}
	if resp, _ = e.do(e.request(http.MethodPost, "/print/v1/orders", printBody("doc-2"), key)); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("same key, other body: %d", resp.StatusCode)
	}
	if n := len(e.sim.PrintOrders()); n != 1 {
		t.Fatalf("%d orders after repeats, want 1", n)
	}
	// The id is derived from seed and key: another simulator gives the same.
	e2 := newEnv(t, loadScenario(t, "demo"), 2, Options{})
	_, data = e2.do(e2.request(http.MethodPost, "/print/v1/orders", printBody("doc-1"), key))
	if decode[PrintOrder](t, data).ID != first.ID {
		t.Error("print order id is not deterministic")
	}
}

func TestPrintValidation(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 2, Options{PrintAPIKey: "k"})
	auth := map[string]string{"Idempotency-Key": "x", "Authorization": "Bearer k"}
	noCountry := printBody("d")
	noCountry.Address.CountryCode = ""
	noLines := printBody("d")
	noLines.Address.Lines = nil
	cases := []struct {
		name    string
		body    any
		headers map[string]string
		want    int
	}{
		{"no api key", printBody("d"), map[string]string{"Idempotency-Key": "x"}, 401},
		{"no idempotency key", printBody("d"), map[string]string{"Authorization": "Bearer k"}, 400},
		{"no country", noCountry, auth, 400},
		{"no lines", noLines, auth, 400},
		{"not json", "garbage", auth, 400},
		{"good", printBody("d"), auth, 201},
	}
	for _, c := range cases {
		if resp, data := e.do(e.request(http.MethodPost, "/print/v1/orders", c.body, c.headers)); resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, data, c.want)
		}
	}
}

func TestPrintStatesFollowTheClock(t *testing.T) {
	sc := loadScenario(t, "demo")
	sc.Print.FailChance = 0
	e := newEnv(t, sc, 2, Options{})
	create := func(key string) PrintOrder {
		_, data := e.do(e.request(http.MethodPost, "/print/v1/orders", printBody(key), map[string]string{"Idempotency-Key": key}))
		return decode[PrintOrder](t, data)
	}
	get := func(id string) (int, PrintOrder) {
		resp, data := e.do(e.request(http.MethodGet, "/print/v1/orders/"+id, nil, nil))
		return resp.StatusCode, decode[PrintOrder](t, data)
	}
	cancel := func(id string) (int, map[string]string) {
		resp, data := e.do(e.request(http.MethodPost, "/print/v1/orders/"+id+"/cancel", nil, nil))
		return resp.StatusCode, decode[map[string]string](t, data)
	}
	a, b := create("a"), create("b")
	if code, st := cancel(b.ID); code != 200 || st["state"] != "cancelled" {
		t.Fatalf("cancel while received: %d %v", code, st)
	}
	if code, _ := cancel(b.ID); code != 200 {
		t.Errorf("cancel twice: %d", code)
	}
	maxPrint, maxPost := sc.Print.PrintDelay.upper(), sc.Print.PostDelay.upper()
	e.clock.Advance(maxPrint)
	if _, o := get(a.ID); o.State != "printed" || !o.UpdatedAt.After(a.CreatedAt) {
		t.Fatalf("after the print delay: %+v", o)
	}
	if code, st := cancel(a.ID); code != http.StatusConflict || st["state"] != "printed" {
		t.Errorf("cancel after printing: %d %v", code, st)
	}
	e.clock.Advance(maxPost)
	if _, o := get(a.ID); o.State != "posted" {
		t.Fatalf("after the post delay: %s", o.State)
	}
	if _, o := get(b.ID); o.State != "cancelled" {
		t.Fatalf("cancelled order became %s", o.State)
	}
	if code, _ := get("00000000-0000-4000-8000-000000000000"); code != 404 {
		t.Errorf("unknown order: %d", code)
	}
	// Failures: with fail_chance 1 every order fails when it would print.
	sc2 := loadScenario(t, "demo")
	sc2.Print.FailChance = 1
	e2 := newEnv(t, sc2, 2, Options{})
	_, data := e2.do(e2.request(http.MethodPost, "/print/v1/orders", printBody("f"), map[string]string{"Idempotency-Key": "f"}))
	f := decode[PrintOrder](t, data)
	e2.clock.Advance(maxPrint + time.Second)
	_, data = e2.do(e2.request(http.MethodGet, "/print/v1/orders/"+f.ID, nil, nil))
	if o := decode[PrintOrder](t, data); o.State != "failed" || o.FailureReason == "" {
		t.Errorf("failing order: %+v", o)
	}
}
