package printing_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/printing"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// scenario is a small world: every shipment confidential, two classes (one
// policy needs approval), persons, and a register with every kind of trouble.
// Post takes 10–12 h after printing, so between 6 h and 10 h after an order
// everything is printed and nothing posted.
const scenario = `
name: printing
start: "2026-11-02T07:00:00Z"
organisations:
  count: 40
persons: {count: 6, share: 0.08}
shipments:
  count: 120
  sent_from: -6h
  sent_to: -1m
  channels: {svarut: 0.7, altinn: 0.3}
  confidential_share: 1
  confidential_classes: {taushetsbelagt: 0.75, barnevern: 0.25}
register:
  bankrupt_chance: 0.08
  winding_up_chance: 0.05
  forced_dissolution_chance: 0.03
  deleted_chance: 0.08
  removed_chance: 0.04
  unknown_chance: 0.04
  no_postal_address_chance: 0.25
  no_address_chance: 0.05
print:
  print_delay: {min: 2h, max: 6h}
  post_delay: {min: 10h, max: 12h}
  fail_chance: 0
`

var quiet = slog.New(slog.DiscardHandler)

// env is a database, a simulator on a loopback server with a manual clock,
// and a print service talking to it over HTTP.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	dbURL string
	sim   *sim.Sim
	url   string // the simulator server's base URL
	svc   *printing.Service
	pol   *policy.Set
	ships []store.Shipment
}

// simClock is the simulator's clock as an httpclient.Clock: retries and
// Retry-After waits return at once, so no test sleeps.
type simClock struct{ s *sim.Sim }

func (c simClock) Now() time.Time                                   { return c.s.Now() }
func (c simClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func newEnv(t *testing.T, yaml string, opts sim.Options) *env {
	t.Helper()
	opts.Logger = quiet
	srv := simtest.New(t, simtest.Parse(t, yaml), simtest.Options{Seed: 7, Start: time.Now(), Sim: opts})
	s := srv.Sim
	dbURL := pgtest.New(t)
	st := storetest.OpenURL(t, dbURL)
	set := policytest.Shipped(t)
	e := &env{t: t, ctx: context.Background(), st: st, dbURL: dbURL, sim: s, url: srv.URL, pol: set}
	e.svc = printing.New(st, e.options(2))
	var items []model.NewShipment
	for _, r := range s.Shipments() {
		items = append(items, storetest.FromSim(r))
	}
	var err error
	if e.ships, _, err = st.Register(e.ctx, items, store.SourceImport, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

// options builds service options whose clients reach the simulator.
func (e *env) options(retries int) printing.Options {
	client := func(name, base string) *httpclient.Client {
		c, err := httpclient.New(httpclient.Options{Name: name, BaseURL: e.url + base, MaxRetries: retries,
			Clock: simClock{e.sim}, Jitter: func(d time.Duration) time.Duration { return d }, Logger: quiet})
		if err != nil {
			e.t.Fatal(err)
		}
		return c
	}
	return printing.Options{Register: client("register", "/enhetsregisteret/api"), Provider: client("print", "/print"),
		Policies: e.pol, BatchSize: 7, Logger: quiet}
}

// escalate plays the escalation run at now: every shipment whose print step
// is due under its policy is handed to Order, grouped by policy. Calling it
// again hands the same shipments again, as a repeated run might.
func (e *env) escalate(now time.Time) map[string]bool {
	e.t.Helper()
	type key struct {
		name     string
		approval bool
	}
	groups := map[key][]string{}
	due := map[string]bool{}
	for _, sh := range e.ships {
		p, err := e.pol.Match(policy.Facts{Channel: sh.Channel, Class: sh.Class, Confidential: sh.Confidential, RecipientKind: sh.RecipientKind,
			SenderOrg: sh.SenderOrg, SenderUnit: sh.SenderUnit})
		if err != nil {
			e.t.Fatal(err)
		}
		plan, err := p.Plan(policy.Progress{Since: sh.SentAt}, now)
		if err != nil {
			e.t.Fatal(err)
		}
		if plan.Now.Step.Kind == policy.StepPrint {
			k := key{p.Name, p.Print.RequiresApproval}
			groups[k] = append(groups[k], sh.ID)
			due[sh.ID] = true
		}
	}
	for k, ids := range groups {
		if err := e.svc.Order(e.ctx, ids, k.name, k.approval, now); err != nil {
			e.t.Fatal(err)
		}
	}
	return due
}

// run moves the simulated clock to now and does one scheduled run.
func (e *env) run(now time.Time) printing.Summary {
	e.t.Helper()
	e.sim.SetNow(now)
	sum, err := e.svc.RunOnce(e.ctx, now)
	if err != nil {
		e.t.Fatal(err)
	}
	return sum
}

// printRow is a print_orders row as the tests look at it.
type printRow struct {
	ShipmentID string  `db:"shipment_id"`
	State      string  `db:"state"`
	OrderID    string  `db:"order_id"`
	BatchID    *int64  `db:"batch_id"`
	Request    []byte  `db:"request"`
	Reason     *string `db:"reason"`
}

func (e *env) prints() map[string]printRow {
	e.t.Helper()
	var rows []printRow
	if err := e.st.DB().Select(&rows, `SELECT p.shipment_id, p.state, p.order_id, p.batch_id, p.request, m.reason
		FROM print_orders p LEFT JOIN print_manual m ON m.shipment_id = p.shipment_id`); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]printRow{}
	for _, r := range rows {
		out[r.ShipmentID] = r
	}
	return out
}

// providerOrders returns the simulator's orders by idempotency key, failing
// on any key ordered twice.
func (e *env) providerOrders() map[string]sim.PrintOrder {
	e.t.Helper()
	out := map[string]sim.PrintOrder{}
	for _, o := range e.sim.PrintOrders() {
		if _, dup := out[o.IdempotencyKey]; dup {
			e.t.Fatalf("two provider orders under key %s", o.IdempotencyKey)
		}
		out[o.IdempotencyKey] = o
	}
	return out
}

// creates counts the order creations the provider answered 201 (new order).
func (e *env) creates() int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Method == http.MethodPost && r.Path == "/print/v1/orders" && r.Status == http.StatusCreated {
			n++
		}
	}
	return n
}

// placed returns the letters whose print order the provider has received
// (and not yet answered further).
func (e *env) placed() []string {
	e.t.Helper()
	var ids []string
	for id, p := range e.prints() {
		if p.State == store.PrintStateReceived {
			ids = append(ids, id)
		}
	}
	return ids
}

// orderAndDrain orders ids printed through a print service on client
// (batches of 10, logging nowhere) and drains the outbox once at now: the
// orders are sent to the provider.
func orderAndDrain(t *testing.T, st *store.Store, client *httpclient.Client, ids []string, now time.Time) *printing.Service {
	t.Helper()
	ctx := context.Background()
	svc := printing.New(st, printing.Options{Provider: client, BatchSize: 10, Logger: quiet})
	if err := svc.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Drain(ctx, now); err != nil {
		t.Fatal(err)
	}
	return svc
}

func (e *env) shipment(id string) *store.Shipment {
	e.t.Helper()
	sh, err := e.st.Shipment(e.ctx, id, store.Scope{})
	if err != nil {
		e.t.Fatal(err)
	}
	return sh
}

// kinds returns the kinds of a shipment's events, in order, that start
// with "print_".
func kinds(sh *store.Shipment) []string {
	var out []string
	for _, ev := range sh.Events {
		if len(ev.Kind) > 6 && ev.Kind[:6] == "print_" {
			out = append(out, ev.Kind)
		}
	}
	return out
}

func count(ks []string, kind string) int {
	n := 0
	for _, k := range ks {
		if k == kind {
			n++
		}
	}
	return n
}

// registerAnswer asks the simulated register directly, as the test's truth.
func (e *env) registerAnswer(orgnr string) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.Get(e.url + "/enhetsregisteret/api/enheter/" + orgnr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// expectedAddress is what the print order for orgnr must carry, or the
// manual-handling reason, from the register's own answer: postadresse
// preferred, else forretningsadresse.
func (e *env) expected(orgnr string) (sim.PrintAddress, string) {
	status, b := e.registerAnswer(orgnr)
	switch status {
	case 404:
		return sim.PrintAddress{}, printing.ReasonUnknown
	case 410:
		return sim.PrintAddress{}, printing.ReasonRemoved
	}
	switch {
	case b["slettedato"] != nil:
		return sim.PrintAddress{}, printing.ReasonDeleted
	case b["konkurs"] == true:
		return sim.PrintAddress{}, printing.ReasonBankrupt
	case b["underTvangsavviklingEllerTvangsopplosning"] == true:
		return sim.PrintAddress{}, printing.ReasonForcedDissolution
	case b["underAvvikling"] == true:
		return sim.PrintAddress{}, printing.ReasonWindingUp
	}
	for _, field := range []string{"postadresse", "forretningsadresse"} {
		a, ok := b[field].(map[string]any)
		if !ok {
			continue
		}
		var lines []string
		for _, l := range a["adresse"].([]any) {
			if l != "" {
				lines = append(lines, l.(string))
			}
		}
		return sim.PrintAddress{Lines: lines, PostalCode: a["postnummer"].(string), City: a["poststed"].(string),
			CountryCode: a["landkode"].(string)}, ""
	}
	return sim.PrintAddress{}, printing.ReasonNoAddress
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
