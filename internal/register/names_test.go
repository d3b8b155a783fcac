package register_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/register"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// scenario is a small world: Norwegian organisations of every register
// kind (sub-units among them), persons, and Danish companies in the CVR.
// %s is the register's failing list.
const scenario = `
name: names
start: "2026-11-02T07:00:00Z"
sender: {org: "964338531", name: Bergen kommune}
organisations: {count: 30}
persons: {count: 5, share: 0.2}
shipments:
  count: 90
  sent_from: -6h
  sent_to: -1m
  channels: {svarut: 1}
register:
  unknown_chance: 0.1
  removed_chance: 0.1
  deleted_chance: 0.05
  sub_unit_chance: 0.3
  closed_sub_unit_share: 0.3
  failing: [%s]
cvr:
  companies:
    - {cvr: "64942212", name: Københavns Kommune}
    - {cvr: "31201004", name: Nørrebro Tømrer ApS}
    - {cvr: "29811008", name: Østerbro Rådgivning A/S}
    - {cvr: "40111018", name: Vesterbro Bageri I/S, ceased: true}
    - {cvr: "35551018", name: Amager Fisk ApS}
    - {cvr: "12341008", name: Frederiksberg Maling ApS}
    - {cvr: "23451018", name: Valby VVS A/S}
    - {cvr: "34561001", name: Christianshavn Kaffe ApS}
    - {cvr: "45671003", name: Hellerup Revision I/S}
    - {cvr: "56781005", name: Bispebjerg Blomster ApS}
    - {cvr: "67891007", name: Sydhavn Transport A/S}
    - {cvr: "13571007", name: Islands Brygge Cykler ApS}
`

// Danish numbers of the test: the municipality that sends, companies that
// receive (one failing for two hours, one the CVR does not know; more than
// the 10 hits a search returns unless told its size), citizens.
const (
	dkSender  = "64942212"
	dkFailing = "35551018"
	dkUnknown = "26661005"
)

var (
	dkCompanies = map[string]string{"31201004": "Nørrebro Tømrer ApS", "29811008": "Østerbro Rådgivning A/S",
		"40111018": "Vesterbro Bageri I/S", dkFailing: "Amager Fisk ApS", dkUnknown: "",
		"12341008": "Frederiksberg Maling ApS", "23451018": "Valby VVS A/S", "34561001": "Christianshavn Kaffe ApS",
		"45671003": "Hellerup Revision I/S", "56781005": "Bispebjerg Blomster ApS", "67891007": "Sydhavn Transport A/S",
		"13571007": "Islands Brygge Cykler ApS"}
	dkCitizens = []string{"2512891234", "0101701234"}
)

var quiet = slog.New(slog.DiscardHandler)

// simClock is the simulator's clock as an httpclient.Clock: retries return
// at once, so no test sleeps.
type simClock struct{ s *sim.Sim }

func (c simClock) Now() time.Time                                   { return c.s.Now() }
func (c simClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

type env struct {
	t       *testing.T
	ctx     context.Context
	sim     *sim.Sim
	url     string // the simulator server's base URL
	st      *store.Store
	failing string                            // the Norwegian organisation whose lookups fail for two hours
	orgs    map[string]sim.OrganisationRecord // receiving organisations by number
	persons map[string]bool                   // every person id registered
}

// newEnv builds the simulator (with one Norwegian and one Danish number
// failing for two hours), a database, and registers the simulator's
// shipments plus Danish letters.
func newEnv(t *testing.T) *env {
	t.Helper()
	// The failing list changes nothing else in the world: find an active
	// receiving organisation first, then build the world that fails on it.
	probe := newSim(t, fmt.Sprintf(scenario, "")).Sim
	e := &env{t: t, ctx: context.Background(), orgs: map[string]sim.OrganisationRecord{}, persons: map[string]bool{}}
	received := map[string]bool{}
	for _, r := range probe.Shipments() {
		received[r.Recipient.ID] = true
	}
	for _, o := range probe.Organisations() {
		if o.Register == "active" && !o.SubUnit && received[o.OrgNr] && e.failing == "" {
			e.failing = o.OrgNr
		}
	}
	if e.failing == "" {
		t.Fatal("no active receiving organisation in the scenario")
	}
	srv := newSim(t, fmt.Sprintf(scenario, fmt.Sprintf(`{number: "%s", until: 2h}, {number: "%s", until: 2h}`, e.failing, dkFailing)))
	e.sim, e.url = srv.Sim, srv.URL
	for _, o := range e.sim.Organisations() {
		e.orgs[o.OrgNr] = o
	}
	e.st = storetest.Open(t)
	var items []model.NewShipment
	for _, r := range e.sim.Shipments() {
		items = append(items, storetest.FromSim(r))
		if r.Recipient.Kind == model.RecipientPerson {
			e.persons[r.Recipient.ID] = true
		}
	}
	i := 0
	add := func(kind, id string) {
		i++
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: fmt.Sprintf("dk-%d", i), SenderOrg: dkSender,
			SenderUnit: "Socialforvaltningen", RecipientKind: kind, RecipientID: id, Title: "Afgørelse",
			Confidential: true, Class: "taushetsbelagt", SentAt: e.sim.Start().Add(-time.Hour)})
	}
	for nr := range dkCompanies {
		add(model.RecipientOrg, nr)
	}
	for _, id := range dkCitizens {
		add(model.RecipientPerson, id)
		e.persons[id] = true
	}
	if len(e.persons) < 3 {
		t.Fatalf("want persons among the recipients, have %d", len(e.persons))
	}
	if _, _, err := e.st.Register(e.ctx, items, store.SourceImport, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

// newSim serves the scenario, its clock standing now.
func newSim(t *testing.T, scenarioYAML string) *simtest.Server {
	t.Helper()
	return simtest.New(t, simtest.Parse(t, scenarioYAML), simtest.Options{Seed: 11, Start: time.Now(), Sim: sim.Options{Logger: quiet}})
}

// client is an HTTP client of the simulator under base.
func (e *env) client(name, base string) *httpclient.Client {
	c, err := httpclient.New(httpclient.Options{Name: name, BaseURL: e.url + base, MaxRetries: 1,
		Clock: simClock{e.sim}, Jitter: func(d time.Duration) time.Duration { return d }, Logger: quiet})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// namer is the names job against the simulator; password is the CVR's.
func (e *env) namer(password string) *register.Namer {
	return &register.Namer{Store: e.st, Norway: &register.Brreg{HTTP: e.client("register", "/enhetsregisteret/api")},
		Denmark: &register.CVR{HTTP: e.client("cvr", "/cvr-permanent"), User: e.sim.Options().CVRUser, Password: password},
		TTL:     24 * time.Hour, Batch: 20, Log: quiet}
}

// run moves the simulated clock to at and runs the job once.
func (e *env) run(n *register.Namer, at time.Time) (register.NameSummary, []sim.RequestRecord, error) {
	e.t.Helper()
	e.sim.SetNow(at)
	seq := int64(0)
	if all := e.sim.Requests(); len(all) > 0 {
		seq = all[len(all)-1].Seq
	}
	sum, err := n.RunOnce(e.ctx, at)
	var asked []sim.RequestRecord
	for _, r := range e.sim.RequestsSince(seq) {
		if r.Group == "register" || r.Group == "cvr" {
			asked = append(asked, r)
		}
	}
	return sum, asked, err
}

// names returns every organisation's and person's name by number.
func (e *env) names() (recipients, senders map[string]string) {
	e.t.Helper()
	type row struct{ Ident, Name string }
	var rows []row
	if err := e.st.DB().Select(&rows, `SELECT ident, name FROM recipients`); err != nil {
		e.t.Fatal(err)
	}
	recipients = map[string]string{}
	for _, r := range rows {
		recipients[r.Ident] = r.Name
	}
	rows = nil
	if err := e.st.DB().Select(&rows, `SELECT orgnr AS ident, name FROM sender_orgs`); err != nil {
		e.t.Fatal(err)
	}
	senders = map[string]string{}
	for _, r := range rows {
		senders[r.Ident] = r.Name
	}
	return recipients, senders
}

// wantName is the name the registers give a number now ("" for none);
// failingNamed says whether the two failing numbers have been answered.
func (e *env) wantName(nr string, failingNamed bool) string {
	if (nr == e.failing || nr == dkFailing) && !failingNamed {
		return ""
	}
	if name, ok := dkCompanies[nr]; ok {
		return name
	}
	o, ok := e.orgs[nr]
	if !ok {
		return "?"
	}
	switch o.Register {
	case "active", "deleted": // sub-units too, closed ones included
		return o.Name
	}
	return ""
}

// checkRequests fails when a request to a register carried anything but an
// organisation number, or a person's id anywhere.
func (e *env) checkRequests(asked []sim.RequestRecord) {
	e.t.Helper()
	for _, r := range asked {
		for id := range e.persons {
			if strings.Contains(r.Path+"?"+r.Query, id) {
				e.t.Errorf("a person id was sent to a register: %s %s", r.Method, r.Path)
			}
		}
		for _, id := range r.IDs {
			if e.persons[id] || (len(id) != 8 && len(id) != 9) {
				e.t.Errorf("register request %s %s asked about %q", r.Method, r.Path, id)
			}
		}
	}
}

// askedIDs lists the numbers the requests asked about, sorted and unique.
func askedIDs(asked []sim.RequestRecord, group string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range asked {
		for _, id := range r.IDs {
			if r.Group == group && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestNamesFromEnhetsregisteretAndCVR runs the names job against the
// simulator: Norwegian organisations, sub-units and Danish companies get
// their names; one failing organisation on each side stays unnamed, the
// others are named anyway, and it is asked again after its backoff, not
// before; no register ever sees a person's id; nothing is asked twice
// within the TTL, everything again after it.
func TestNamesFromEnhetsregisteretAndCVR(t *testing.T) {
	e := newEnv(t)
	n := e.namer(e.sim.Options().CVRPassword)
	start := e.sim.Start()
	t0 := start.Add(10 * time.Minute)

	sum, asked, err := e.run(n, t0)
	if err != nil {
		t.Fatal(err)
	}
	e.checkRequests(asked)
	recipients, senders := e.names()
	kinds := map[string]int{}
	for nr, got := range recipients {
		if e.persons[nr] {
			if got != "" {
				t.Errorf("person %s got the name %q", model.MaskPersonID(nr), got)
			}
			continue
		}
		k := e.orgs[nr].Register
		if e.orgs[nr].SubUnit {
			k = "sub_unit"
		}
		kinds[k]++
		if want := e.wantName(nr, false); got != want {
			t.Errorf("recipient %s (%s): name %q, want %q", nr, e.orgs[nr].Register, got, want)
		}
	}
	for _, k := range []string{"active", "sub_unit", "unknown", "removed"} {
		if kinds[k] == 0 {
			t.Errorf("no receiving organisation of register kind %s in the test: %v", k, kinds)
		}
	}
	if senders["964338531"] != "Bergen kommune" || senders[dkSender] != "Københavns Kommune" {
		t.Errorf("sender organisations: %v", senders)
	}
	numbers := map[string]bool{}
	for nr := range recipients {
		if !e.persons[nr] {
			numbers[nr] = true
		}
	}
	for nr := range senders {
		numbers[nr] = true
	}
	orgs := len(numbers)
	if sum.Asked != orgs || sum.Failed != 2 || sum.Named+sum.Unknown+sum.Failed != sum.Asked || sum.Renamed == 0 {
		t.Errorf("summary %+v for %d organisations", sum, orgs)
	}
	// Sub-units come from /underenheter, Danish companies from the CVR.
	var sub store.RegisterEntry
	for nr := range recipients {
		if o := e.orgs[nr]; o.SubUnit && o.Register == "active" {
			if err := e.st.DB().Get(&sub, `SELECT orgnr, kind, status, name, fetched_at FROM register_cache WHERE orgnr = $1`, nr); err != nil {
				t.Fatalf("sub-unit %s not cached: %v", nr, err)
			}
			if sub.Kind != store.RegisterUnderenhet || sub.Status != 200 || sub.Name != o.Name {
				t.Errorf("sub-unit cached as %+v", sub)
			}
			break
		}
	}
	if c, err := e.st.RegisterEntry(e.ctx, "31201004"); err != nil || c.Kind != store.RegisterCVR || c.Status != 200 ||
		!strings.Contains(string(c.Body), `"cvrNummer": 31201004`) {
		t.Errorf("CVR answer cached as %+v %v", c, err)
	}
	if c, err := e.st.RegisterEntry(e.ctx, dkUnknown); err != nil || c.Kind != store.RegisterCVR || c.Status != 404 {
		t.Errorf("unknown CVR cached as %+v %v", c, err)
	}
	// The Danish numbers went out in one search; when it failed, each alone.
	var batched, single int
	for _, r := range asked {
		if r.Group == "cvr" && len(r.IDs) > 1 {
			batched++
			if len(r.IDs) != len(dkCompanies)+1 {
				t.Errorf("CVR search for %v, want all %d Danish numbers", r.IDs, len(dkCompanies)+1)
			}
		} else if r.Group == "cvr" {
			single++
		}
	}
	if batched == 0 || single < len(dkCompanies)+1 {
		t.Errorf("CVR searches: %d batched, %d single", batched, single)
	}
	for _, nr := range []string{e.failing, dkFailing} {
		var attempts int
		if err := e.st.DB().Get(&attempts, `SELECT attempts FROM register_retries WHERE orgnr = $1`, nr); err != nil || attempts != 1 {
			t.Errorf("failed lookup of %s: attempts %d, %v", nr, attempts, err)
		}
	}

	// A minute later nothing is due: answers are fresh, failures back off.
	sum, asked, err = e.run(n, t0.Add(time.Minute))
	if err != nil || sum.Asked != 0 || len(asked) != 0 {
		t.Fatalf("a minute later: %+v, %d requests, %v", sum, len(asked), err)
	}

	// After the trouble and the backoff, only the two failed ones are asked.
	sum, asked, err = e.run(n, start.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	e.checkRequests(asked)
	if got := askedIDs(asked, "register"); len(got) != 1 || got[0] != e.failing {
		t.Errorf("asked Enhetsregisteret about %v, want only %s", got, e.failing)
	}
	if got := askedIDs(asked, "cvr"); len(got) != 1 || got[0] != dkFailing {
		t.Errorf("asked the CVR about %v, want only %s", got, dkFailing)
	}
	if sum.Asked != 2 || sum.Named != 2 || sum.Failed != 0 {
		t.Errorf("retry run: %+v", sum)
	}
	recipients, _ = e.names()
	for nr, got := range recipients {
		if !e.persons[nr] && got != e.wantName(nr, true) {
			t.Errorf("after the retry, %s: %q, want %q", nr, got, e.wantName(nr, true))
		}
	}
	var left int
	if err := e.st.DB().Get(&left, `SELECT count(*) FROM register_retries`); err != nil || left != 0 {
		t.Errorf("%d failed lookups left after they were answered (%v)", left, err)
	}

	// Once the TTL has passed, every answer is fetched again.
	sum, asked, err = e.run(n, start.Add(28*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	e.checkRequests(asked)
	if sum.Asked != orgs || sum.Failed != 0 {
		t.Errorf("after the TTL: %+v, want %d asked", sum, orgs)
	}
}

// TestNamesCVRRefusedLeavesNorwayAlone: credentials the CVR refuses are
// the CVR's problem, not each company's: the Danish numbers are not marked
// failed (no backoff), the run reports the error, the Norwegian names come
// anyway; with the right password the next run names the Danish ones.
func TestNamesCVRRefusedLeavesNorwayAlone(t *testing.T) {
	e := newEnv(t)
	at := e.sim.Start().Add(3 * time.Hour) // past the failing window
	sum, asked, err := e.run(e.namer("wrong"), at)
	if err == nil || !strings.Contains(err.Error(), "CVR") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("refused CVR: err %v", err)
	}
	e.checkRequests(asked)
	var cvrRequests int
	for _, r := range asked {
		if r.Group == "cvr" {
			cvrRequests++
		}
	}
	if cvrRequests != 1 {
		t.Errorf("%d CVR requests with refused credentials, want 1", cvrRequests)
	}
	recipients, _ := e.names()
	for nr := range dkCompanies {
		if recipients[nr] != "" {
			t.Errorf("%s named without the CVR: %q", nr, recipients[nr])
		}
	}
	for nr, o := range e.orgs {
		if got, ok := recipients[nr]; ok && o.Register == "active" && got != o.Name {
			t.Errorf("Norwegian %s: %q, want %q", nr, got, o.Name)
		}
	}
	var retries int
	if err := e.st.DB().Get(&retries, `SELECT count(*) FROM register_retries`); err != nil || retries != 0 {
		t.Errorf("%d lookups marked failed for the CVR's refusal (%v)", retries, err)
	}
	if sum.Failed != 0 {
		t.Errorf("summary %+v", sum)
	}
	if _, _, err := e.run(e.namer(e.sim.Options().CVRPassword), at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	recipients, _ = e.names()
	for nr, want := range dkCompanies {
		if recipients[nr] != want {
			t.Errorf("%s: %q, want %q", nr, recipients[nr], want)
		}
	}
}

// TestNamesGarbageIsNotCached: an Enhetsregisteret answer that is not the
// unit's JSON is each organisation's own failed lookup, never cached; the
// CVR's answers are cached all the same.
// newGarbageEnv is a world whose Enhetsregisteret answers every lookup with
// garbage, with five active receivers registered and one Danish company.
func newGarbageEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), persons: map[string]bool{}}
	srv := newSim(t, fmt.Sprintf(scenario, "")+"faults: {register: {malformed: 1}}\n")
	e.sim, e.url = srv.Sim, srv.URL
	e.st = storetest.Open(t)
	// Receivers /enheter answers 200 for (a 404 or 410 is an answer, whatever
	// its body).
	var active []string
	for _, o := range e.sim.Organisations() {
		if o.Register == "active" && !o.SubUnit && len(active) < 5 {
			active = append(active, o.OrgNr)
		}
	}
	items := []model.NewShipment{}
	for i, r := range e.sim.Shipments()[:len(active)] {
		items = append(items, model.NewShipment{Channel: r.Channel, ChannelID: r.ChannelID, SenderOrg: r.SenderOrg,
			SenderUnit: r.SenderUnit, RecipientKind: model.RecipientOrg, RecipientID: active[i], Title: r.Title,
			Confidential: true, Class: r.Class, SentAt: r.SentAt})
	}
	items = append(items, model.NewShipment{Channel: "svarut", ChannelID: "dk-1", SenderOrg: "964338531", SenderUnit: "NAV",
		RecipientKind: model.RecipientOrg, RecipientID: "31201004", Title: "Brev", Confidential: true, Class: "taushetsbelagt",
		SentAt: e.sim.Start().Add(-time.Hour)})
	if _, _, err := e.st.Register(e.ctx, items, store.SourceImport, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestNamesGarbageIsNotCached(t *testing.T) {
	e := newGarbageEnv(t)
	sum, _, err := e.run(e.namer(e.sim.Options().CVRPassword), e.sim.Start().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// Five receivers and the sender in Norway, one company in Denmark.
	if sum.Asked != 7 || sum.Failed != 6 || sum.Named != 1 {
		t.Errorf("summary %+v", sum)
	}
	var cached []string
	if err := e.st.DB().Select(&cached, `SELECT orgnr FROM register_cache ORDER BY orgnr`); err != nil || len(cached) != 1 || cached[0] != "31201004" {
		t.Errorf("cached %v (%v), want only the CVR answer", cached, err)
	}
}

// TestNamesWaitCountsFromTheFailure: in a run that takes ten minutes per
// answer, a failed lookup waits its five minutes from when it failed, not
// from when the run began (which made the wait shorter than it said, or
// nothing at all after a long run).
func TestNamesWaitCountsFromTheFailure(t *testing.T) {
	e := newGarbageEnv(t)
	n := e.namer(e.sim.Options().CVRPassword)
	n.Norway, n.Denmark = &register.Brreg{HTTP: e.client("register", "/enhetsregisteret/api")}, nil
	t0 := e.sim.Start().Add(time.Minute)
	clock := t0
	n.Now = func() time.Time { clock = clock.Add(10 * time.Minute); return clock }
	sum, _, err := e.run(n, t0)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 6 {
		t.Fatalf("summary %+v, want the six Norwegian lookups failed", sum)
	}
	// The first failure came ten minutes into the run: not due 12 minutes
	// in, due 16 minutes after the last one.
	due, err := e.st.OrgsToName(e.ctx, t0.Add(12*time.Minute), t0.Add(-24*time.Hour), []string{"NO"}, 100)
	if err != nil || len(due) != 0 {
		t.Errorf("due 12 minutes into the run: %v (%v), want none", due, err)
	}
	due, err = e.st.OrgsToName(e.ctx, t0.Add(66*time.Minute), t0.Add(-24*time.Hour), []string{"NO"}, 100)
	if err != nil || len(due) != 6 {
		t.Errorf("due after the last failure's wait: %v (%v), want all six", due, err)
	}
}
