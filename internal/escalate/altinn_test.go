package escalate

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/maskinporten"
	"postvakt/internal/remind"
	"postvakt/internal/sim/simtest"
)

// altinnSim is the simulator over HTTP (manual clock) with the request
// bodies it received and a Maskinporten client against it whose Altinn
// tokens come from its exchange, as production's do (Notifications and
// Profile take Altinn tokens only).
type altinnSim struct {
	*simtest.Server
	tokens *maskinporten.Tokens
}

func newAltinnSim(t *testing.T) *altinnSim {
	t.Helper()
	a := &altinnSim{Server: simtest.Demo(t, simtest.Options{Seed: 5, Start: monday, KeepBodies: true})}
	keyFile, _ := simtest.ClientKey(t)
	a.tokens = maskinporten.NewTokens(maskinporten.Client{URL: a.URL + "/token", ClientID: a.Sim.Options().ClientID,
		Audience: a.Sim.Options().Audience, KeyFile: keyFile, ExchangeURL: a.URL}, slog.New(slog.DiscardHandler), nil)
	return a
}

// altinn returns the source of Altinn tokens with scope (exchanged).
func (a *altinnSim) altinn(t *testing.T, scope string) remind.TokenSource {
	t.Helper()
	src, err := a.tokens.Altinn(scope)
	if err != nil || src == nil {
		t.Fatalf("altinn token source for %s: %v %v", scope, src, err)
	}
	return src
}

func client(t *testing.T, base string) *httpclient.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{Name: "test", BaseURL: base, BackoffBase: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// wire adds the address lookup (against profileURL) and the Notifications
// orders to the harness's escalator.
func (h *harness) wire(a *altinnSim, profileURL string) {
	r := h.reminder(h.mp.SMTPAddr)
	r.Orders = &remind.Orders{Log: h.st, Notifier: &remind.Notifier{HTTP: client(h.t, a.URL+"/notifications/api/v1"), Tokens: a.altinn(h.t, remind.NotificationsScope)}}
	h.esc.Remind = r
	h.esc.Addresses = &remind.Resolver{Book: h.st, Profile: &remind.Profile{HTTP: client(h.t, profileURL), Tokens: a.altinn(h.t, remind.ProfileScope)},
		Logger: h.logger()}
	h.esc.LookupBatch = 2
}

// simOrgs splits the simulator's organisations into those with e-mail
// addresses in Altinn Profile (with them) and those without any address.
func simOrgs(t *testing.T, a *altinnSim) (with map[string][]string, without []string) {
	t.Helper()
	var all []string
	for _, o := range a.Sim.Organisations() {
		all = append(all, o.OrgNr)
		if o.NotificationAddresses == 0 {
			without = append(without, o.OrgNr)
		}
	}
	with, err := (&remind.Profile{HTTP: client(t, a.URL+"/profile/api/v1"), Tokens: a.altinn(t, remind.ProfileScope)}).Lookup(context.Background(), all)
	if err != nil || len(with) < 3 || len(without) < 1 {
		t.Fatalf("simulator organisations: %d with e-mail, %d without (%v)", len(with), len(without), err)
	}
	return with, without
}

// inbox maps each message's recipients (sorted, joined) to how many
// messages went there, failing on a title.
func (h *harness) inbox() map[string]int {
	h.t.Helper()
	out := map[string]int{}
	for _, m := range h.mp.Messages(h.t) {
		if strings.Contains(m.Raw+m.Text+m.Subject, "HEMMELIG") {
			h.t.Fatalf("a shipment title in message %q", m.Subject)
		}
		var to []string
		for _, a := range m.To {
			to = append(to, a.Address)
		}
		sort.Strings(to)
		out[strings.Join(to, ",")]++
	}
	h.mp.DeleteAll(h.t)
	return out
}

// A reminder goes by e-mail to imported addresses, also ordered through
// Altinn Notifications beside it. One whose addresses are only Altinn
// Profile's goes by the order alone: Notifications sends to those very
// addresses, and an e-mail as well reached its daglig leder twice. A
// business whose only
// notification address in Altinn is an SMS number (none in Profile's
// e-mail list) is reminded by the order alone (EmailPreferred, with the
// SMS text); one Altinn has no address for either is refused (422
// NOT-00001): its reminder is failed, not no_address, and tried again
// later.
func TestRunAddressesFromProfileAndOrdersThroughNotifications(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := newAltinnSim(t)
	with, without := simOrgs(t, a)
	var looked, smsOnly []string
	for o := range with {
		looked = append(looked, o)
	}
	sort.Strings(looked)
	for _, o := range a.Sim.Organisations() {
		if _, ok := with[o.OrgNr]; !ok && o.NotificationAddresses > 0 {
			smsOnly = append(smsOnly, o.OrgNr)
		}
	}
	if len(smsOnly) == 0 {
		t.Fatal("the simulator's world has no organisation with an SMS number only")
	}
	imported, profiled, none, sms := looked[0], looked[1:3], without[0], smsOnly[0]
	h.contacts(imported) // has addresses in Profile too: the import wins
	for _, o := range []string{imported, profiled[0], profiled[1], none, sms} {
		h.register(confidential(o, 2)...)
	}
	h.wire(a, a.URL+"/profile/api/v1")

	sum := h.run(due1)
	if sum.Orgs != 4 || sum.Reminders != 8 || len(sum.NoAddress) != 0 || len(sum.AddressUnknown) != 0 ||
		sum.Failed != 1 || sum.Ordered != 4 || sum.OrderFail != 0 {
		t.Fatalf("summary %+v", sum)
	}
	// The run's error names it as a business without any address, as a
	// reminder without an e-mail address is, not as a send that failed.
	if refs := sum.NotSent(); len(refs) != 1 || !strings.HasSuffix(refs[0], " to "+none+" (no contact information in Altinn either)") {
		t.Fatalf("not sent %q, want the business without any address named so", refs)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE orgnr = $1 AND status = 'sent' AND order_id <> '' AND cardinality(recipients) = 0`, sms); n != 1 {
		t.Fatalf("%d reminders to the SMS-only business sent by their order, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE orgnr = $1 AND status = 'failed' AND last_error LIKE '%NOT-00001%'`, none); n != 1 {
		t.Fatalf("%d failed reminders to the business without any address naming NOT-00001, want 1", n)
	}
	if !strings.Contains(a.Bodies(), `"smsSettings"`) {
		t.Fatal("no order with SMS settings")
	}
	for _, o := range profiled {
		if n := h.count(`SELECT count(*) FROM notifications WHERE orgnr = $1 AND status = 'sent' AND order_id <> '' AND cardinality(recipients) = 0`, o); n != 1 {
			t.Fatalf("%d reminders to %s (addresses in Altinn Profile only) sent by their order alone, want 1", n, o)
		}
	}
	// E-mail only to the imported address: none to the Profile addresses.
	want := map[string]int{"post-" + imported + "@example.no": 1}
	if got := h.inbox(); !reflect.DeepEqual(got, want) {
		t.Fatalf("messages to %v, want %v", got, want)
	}
	orders := a.Sim.NotificationOrders()
	var ordered []string
	for _, o := range orders {
		ordered = append(ordered, o.RecipientOrg)
	}
	sort.Strings(ordered)
	wantOrgs := []string{imported, profiled[0], profiled[1], sms}
	sort.Strings(wantOrgs)
	if !reflect.DeepEqual(ordered, wantOrgs) {
		t.Fatalf("orders for %v, want %v", ordered, wantOrgs)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE status = 'sent' AND order_id <> ''`); n != 4 {
		t.Fatalf("%d sent notifications with an order id, want 4", n)
	}
	// A later run the same day: nothing new, no second order, the cached
	// answers are used (no second lookup).
	lookups := strings.Count(a.Bodies(), "organizationNumbers")
	if sum := h.run(due1.Add(time.Hour)); sum.Orgs != 0 || sum.Ordered != 0 || len(a.Sim.NotificationOrders()) != 4 {
		t.Fatalf("second run: %+v", sum)
	}
	if n := strings.Count(a.Bodies(), "organizationNumbers"); n != lookups {
		t.Fatalf("%d lookups after the second run, %d before: the cache was not used", n, lookups)
	}
	if strings.Contains(a.Bodies(), "HEMMELIG") {
		t.Fatal("a shipment title in a request to Altinn")
	}
	h.checkLogs()
}

func TestRunProfileDownDoesNotBlockKnownAddresses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := newAltinnSim(t)
	with, _ := simOrgs(t, a)
	var looked []string
	for o := range with {
		looked = append(looked, o)
	}
	sort.Strings(looked)
	imported, unknown := looked[0], looked[1]
	h.contacts(imported)
	h.register(confidential(imported, 1)...)
	h.register(confidential(unknown, 1)...)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>maintenance</html>", http.StatusBadGateway)
	}))
	defer down.Close()
	h.wire(a, down.URL)

	sum := h.run(due1)
	if sum.Orgs != 1 || len(sum.NoAddress) != 0 || !reflect.DeepEqual(sum.AddressUnknown, []string{unknown}) || sum.Errors != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if got := h.inbox(); !reflect.DeepEqual(got, map[string]int{"post-" + imported + "@example.no": 1}) {
		t.Fatalf("messages %v", got)
	}
	if !strings.Contains(h.logs.String(), "notification addresses could not be looked up") {
		t.Fatal("the failed lookup is not logged")
	}
	// Profile back: the next run reminds the organisation it could not,
	// by an Altinn Notifications order alone (its addresses are Profile's,
	// which Notifications sends to), no e-mail.
	h.wire(a, a.URL+"/profile/api/v1")
	sum = h.run(due1.Add(time.Hour))
	if sum.Orgs != 1 || len(sum.AddressUnknown) != 0 {
		t.Fatalf("after the profile is back: %+v", sum)
	}
	if got := h.inbox(); len(got) != 0 {
		t.Fatalf("messages %v, want none (the order alone)", got)
	}
	var ordered int
	for _, o := range a.Sim.NotificationOrders() {
		if o.RecipientOrg == unknown {
			ordered++
		}
	}
	if ordered != 1 {
		t.Fatalf("%d orders for %s, want 1", ordered, unknown)
	}
	h.checkLogs()
}
