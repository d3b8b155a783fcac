package remind

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/maskinporten"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/sim/simtest"
	"postvakt/internal/store"
)

// altinnSim is the channel simulator on a loopback server with a manual
// clock, every request body it received kept, and a Maskinporten client
// against its token endpoint whose Altinn tokens come from its exchange,
// as production's do (Notifications and Profile take Altinn tokens only).
type altinnSim struct {
	*simtest.Server
	tokens *maskinporten.Tokens
}

func newAltinnSim(t *testing.T) *altinnSim {
	t.Helper()
	a := &altinnSim{Server: simtest.Demo(t, simtest.Options{Seed: 5, Start: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC), KeepBodies: true})}
	keyFile, _ := simtest.ClientKey(t)
	a.tokens = maskinporten.NewTokens(maskinporten.Client{URL: a.URL + "/token", ClientID: a.Sim.Options().ClientID,
		Audience: a.Sim.Options().Audience, KeyFile: keyFile, ExchangeURL: a.URL}, slog.New(slog.DiscardHandler), nil)
	return a
}

// altinn returns the source of Altinn tokens with scope (exchanged).
func (a *altinnSim) altinn(t *testing.T, scope string) TokenSource {
	t.Helper()
	src, err := a.tokens.Altinn(scope)
	if err != nil || src == nil {
		t.Fatalf("altinn token source for %s: %v %v", scope, src, err)
	}
	return src
}

func (a *altinnSim) client(t *testing.T, base string) *httpclient.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{Name: "test", BaseURL: base, BackoffBase: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

func (a *altinnSim) profile(t *testing.T) *Profile {
	return &Profile{HTTP: a.client(t, a.URL+"/profile/api/v1"), Tokens: a.altinn(t, ProfileScope)}
}

func (a *altinnSim) notifier(t *testing.T) *Notifier {
	return &Notifier{HTTP: a.client(t, a.URL+"/notifications/api/v1"), Tokens: a.altinn(t, NotificationsScope)}
}

func TestProfileLookupAgainstSimulator(t *testing.T) {
	t.Parallel()
	a := newAltinnSim(t)
	truth := map[string]int{}
	var orgs []string
	for _, o := range a.Sim.Organisations() {
		truth[o.OrgNr] = o.NotificationAddresses
		orgs = append(orgs, o.OrgNr)
	}
	found, err := a.profile(t).Lookup(context.Background(), orgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 || len(found) == len(orgs) {
		t.Fatalf("%d of %d organisations with addresses; the scenario has some without", len(found), len(orgs))
	}
	for org, emails := range found {
		if truth[org] == 0 {
			t.Fatalf("addresses for %s, which has none", org)
		}
		for _, e := range emails {
			if !strings.HasSuffix(e, "@"+org+".example.no") {
				t.Fatalf("address %q for %s", e, org)
			}
		}
	}
	if !strings.Contains(a.Bodies(), `"organizationNumbers"`) {
		t.Fatal("no lookup request seen")
	}
	// Without a token the simulator refuses, as Altinn does.
	if _, err := (&Profile{HTTP: a.client(t, a.URL+"/profile/api/v1")}).Lookup(context.Background(), orgs[:1]); err == nil {
		t.Fatal("a lookup without a token was accepted")
	}
}

func TestDeliverOrdersThroughNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, g := fixture(t, 2)
	a := newAltinnSim(t)
	mp := mailpittest.Start(t)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	r := newReminder(st, mp.SMTPAddr, &logs)
	r.Orders = &Orders{Log: st, Notifier: a.notifier(t)}
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusSent || out.OrderID == "" || out.OrderErr != nil {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	var row struct {
		Key     string `db:"key"`
		OrderID string `db:"order_id"`
		Request []byte `db:"order_request"`
	}
	if err := st.DB().Get(&row, `SELECT key, order_id, order_request FROM notifications WHERE id = $1`, out.NotificationID); err != nil {
		t.Fatal(err)
	}
	if row.OrderID != out.OrderID {
		t.Fatalf("order id %q recorded, %q answered", row.OrderID, out.OrderID)
	}
	var req struct {
		IdempotencyID    string `json:"idempotencyId"`
		SendersReference string `json:"sendersReference"`
		Recipient        struct {
			RecipientOrganization struct {
				OrgNumber     string `json:"orgNumber"`
				EmailSettings struct{ Subject, Body string }
			} `json:"recipientOrganization"`
		} `json:"recipient"`
	}
	if err := json.Unmarshal(row.Request, &req); err != nil {
		t.Fatal(err)
	}
	ro := req.Recipient.RecipientOrganization
	if req.IdempotencyID != OrderIdempotencyID(row.Key) || req.SendersReference != strconv.FormatInt(out.NotificationID, 10) ||
		ro.OrgNumber != firma || !strings.Contains(ro.EmailSettings.Body, g.Shipments[0].ChannelID) || ro.EmailSettings.Subject == "" {
		t.Fatalf("order request %s", row.Request)
	}
	// Placing it again (a retry) gets the same order back: never two.
	again, err := a.notifier(t).Order(ctx, row.Request)
	if err != nil || again != out.OrderID {
		t.Fatalf("repeated order: %q %v, want %q", again, err, out.OrderID)
	}
	orders := a.Sim.NotificationOrders()
	if len(orders) != 1 || orders[0].ID != out.OrderID || orders[0].RecipientOrg != firma {
		t.Fatalf("simulator has orders %+v", orders)
	}
	if placed, failed, err := r.RetryOrders(ctx, now, nil); placed+len(failed) != 0 || err != nil {
		t.Fatalf("retry with nothing open: %d %d %v", placed, len(failed), err)
	}
	if strings.Contains(a.Bodies(), "HEMMELIG") {
		t.Fatal("a shipment title in a request to Altinn")
	}
	noTitles(t, &logs, mp.Messages(t))
}

func TestOrderRetriedAfterFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, g := fixture(t, 1)
	a := newAltinnSim(t)
	mp := mailpittest.Start(t)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	var logs bytes.Buffer
	r := newReminder(st, mp.SMTPAddr, &logs)
	r.Orders = &Orders{Log: st, Notifier: &Notifier{HTTP: a.client(t, down.URL), Tokens: a.altinn(t, NotificationsScope)}}
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusSent || out.OrderErr == nil || out.OrderID != "" {
		t.Fatalf("deliver with Notifications down: %+v %v; the e-mail must still go out", out, err)
	}
	if len(mp.Messages(t)) != 1 {
		t.Fatal("the e-mail was not sent")
	}
	// The failed order waits 10 minutes (model.RetryAfter), then, still
	// down, stays open and waits 20.
	if placed, failed, err := r.RetryOrders(ctx, now.Add(5*time.Minute), nil); placed+len(failed) != 0 || err != nil {
		t.Fatalf("retry before its wait: %d %d %v", placed, len(failed), err)
	}
	if placed, failed, err := r.RetryOrders(ctx, now.Add(10*time.Minute), nil); placed != 0 || len(failed) != 1 || err != nil {
		t.Fatalf("retry while down: %d %d %v", placed, len(failed), err)
	}
	r.Orders.Notifier = a.notifier(t)
	if placed, failed, err := r.RetryOrders(ctx, now.Add(20*time.Minute), nil); placed+len(failed) != 0 || err != nil {
		t.Fatalf("retry before its second wait: %d %d %v", placed, len(failed), err)
	}
	if placed, failed, err := r.RetryOrders(ctx, now.Add(time.Hour), nil); placed != 1 || len(failed) != 0 || err != nil {
		t.Fatalf("retry: %d %d %v", placed, len(failed), err)
	}
	if placed, failed, err := r.RetryOrders(ctx, now.Add(2*time.Hour), nil); placed+len(failed) != 0 || err != nil {
		t.Fatalf("retry after success: %d %d %v", placed, len(failed), err)
	}
	if n := len(a.Sim.NotificationOrders()); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
	if n := count(t, st, `SELECT order_attempts FROM notifications WHERE id = $1 AND order_id <> ''`, out.NotificationID); n != 3 {
		t.Fatalf("%d order attempts recorded, want 3", n)
	}
	noTitles(t, &logs, mp.Messages(t))
}

// TestRefusedOrderIsNotPlacedAgain: Altinn refuses an order for an
// organisation without contact information (422 NOT-00001). That is
// permanent: recorded, listed for the compliance officer, never placed
// again; the e-mail reminder still goes out.
func TestRefusedOrderIsNotPlacedAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAltinnSim(t)
	var without string
	for _, o := range a.Sim.Organisations() {
		if o.NotificationAddresses == 0 {
			without = o.OrgNr
			break
		}
	}
	if without == "" {
		t.Fatal("the demo world has no organisation without contact information")
	}
	st, g := fixture(t, 1)
	if _, err := st.DB().Exec(`UPDATE recipients SET ident = $1 WHERE ident = $2`, without, firma); err != nil {
		t.Fatal(err)
	}
	g.Org = without
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: without, Email: "post@uten-varsling.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	r := newReminder(st, mp.SMTPAddr, &logs)
	r.Orders = &Orders{Log: st, Notifier: a.notifier(t)}
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusSent || !errors.Is(out.OrderErr, ErrOrderRefused) || out.OrderID != "" {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	if len(mp.Messages(t)) != 1 {
		t.Fatal("the e-mail reminder did not go out")
	}
	for i := range 3 {
		if placed, failed, err := r.RetryOrders(ctx, now.Add(time.Duration(i+1)*time.Hour), nil); placed+len(failed) != 0 || err != nil {
			t.Fatalf("run %d re-ordered a refused order: %d %d %v", i, placed, len(failed), err)
		}
	}
	refused, err := st.RefusedNotificationOrders(ctx)
	if err != nil || len(refused) != 1 || refused[0].ID != out.NotificationID || refused[0].Org != without ||
		!strings.Contains(refused[0].Error, "NOT-00001") || refused[0].Shipments != 1 {
		t.Fatalf("refused orders: %+v %v", refused, err)
	}
	if n := strings.Count(a.Bodies(), OrderIdempotencyID("")); n != 1 {
		t.Errorf("%d order requests sent, want 1", n)
	}
}

// shortProfile answers as Altinn's code does: only the organisations
// with addresses.
type shortProfile struct{ answer map[string][]string }

func (p shortProfile) Lookup(_ context.Context, orgs []string) (map[string][]string, error) {
	found := map[string][]string{}
	for _, o := range orgs {
		if es := p.answer[o]; len(es) > 0 {
			found[o] = es
		}
	}
	return found, nil
}

// TestResolverOrgsLeftOut: Altinn Profile's answer leaves out an
// organisation without addresses (altinn-profile's code; the specs notes
// have it listed with empty lists): it is one without addresses, cached as
// such, not looked up again on every run.
func TestResolverOrgsLeftOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := fixture(t, 1)
	const with, none = "974760673", "910753614"
	res := &Resolver{Book: st, Profile: shortProfile{map[string][]string{with: {"post@a.no"}}}, Logger: slog.New(slog.DiscardHandler)}
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	got, err := res.Resolve(ctx, []string{with, none}, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Found[with]) != 1 || len(got.Found[none]) != 0 || got.Unknown[none] || got.Unknown[with] {
		t.Fatalf("resolved %+v", got)
	}
	need, err := st.OrgsNeedingLookup(ctx, []string{with, none}, now.Add(time.Hour), 24*time.Hour)
	if err != nil || len(need) != 0 {
		t.Fatalf("still to look up: %v %v; want none (both answered)", need, err)
	}
}

// TestOrderRefusals: which answers refuse an order for good (placing it
// again would be refused again) and which may pass: 422 NOT-00001 is
// final; 400 (a setting of postvakt's, such as the resource id, may be
// what Altinn refused), 403 (a scope or consent still to come), 422 with
// another code and 5xx are not.
func TestOrderRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		body   string
		final  bool
	}{
		{422, `{"title":"Missing contact information","errorCode":"NOT-00001"}`, true},
		{422, `{"title":"Missing contact information","code":"NOT-00001"}`, true},
		// Altinn's Norwegian pages name the field errorCode, its English
		// ones code: an answer with both is one refusal.
		{422, `{"title":"Missing contact information","errorCode":"NOT-00001","code":"NOT-00001"}`, true},
		{400, `{"title":"One or more validation errors occurred.","status":400,"errors":{"ResourceId":["unknown resource"]}}`, false},
		{422, `{"title":"Unprocessable","code":"NOT-00002"}`, false},
		{403, `{"title":"Forbidden"}`, false},
		{503, `unavailable`, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		}))
		hc, err := httpclient.New(httpclient.Options{Name: "test", BaseURL: srv.URL, MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = (&Notifier{HTTP: hc}).Order(context.Background(), []byte(`{}`))
		if err == nil || errors.Is(err, ErrOrderRefused) != tc.final {
			t.Errorf("%d %s: %v; final %v", tc.status, tc.body, err, tc.final)
		}
		srv.Close()
	}
}

// TestProfileAnswerWithoutList: only a whole answer (its list present,
// even empty) says the organisations it leaves out have no addresses; one
// without the list is an error, so their addresses are not taken for none.
func TestProfileAnswerWithoutList(t *testing.T) {
	t.Parallel()
	for body, wantErr := range map[string]bool{`{}`: true, `{"contactPointsList":null}`: true, `{"contactPointsList":[]}`: false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		hc, err := httpclient.New(httpclient.Options{Name: "test", BaseURL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		found, err := (&Profile{HTTP: hc}).Lookup(context.Background(), []string{"974760673"})
		if (err != nil) != wantErr || len(found) != 0 {
			t.Errorf("%s: %v %v; want an error %v", body, found, err, wantErr)
		}
		srv.Close()
	}
}

// scopedTokens gives the simulator's Altinn tokens (exchanged) with
// first's scopes until a service refuses one (Invalidate), then with
// second's: a client whose scopes were fixed between two tokens.
type scopedTokens struct {
	mu            sync.Mutex
	first, second TokenSource
	refused       int
}

func (s *scopedTokens) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	src := s.first
	if s.refused > 0 {
		src = s.second
	}
	s.mu.Unlock()
	return src.Token(ctx)
}

func (s *scopedTokens) Invalidate(string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused++
	return true
}

func (a *altinnSim) scoped(t *testing.T, first, second string) *scopedTokens {
	t.Helper()
	return &scopedTokens{first: a.altinn(t, first), second: a.altinn(t, second)}
}

// Against the simulator, which checks each Altinn API's own scope as the
// service's policy does (403 without a body): an order whose token has
// altinn:serviceowner but not notifications.create is refused, the token
// renewed once, and the same order (the same idempotencyId) placed once
// with the new one. So too Profile's lookup with a token without its
// scope.
func TestSimulatorRefusedScopeRenewedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAltinnSim(t)
	tokens := a.scoped(t, "altinn:serviceowner", NotificationsScope)
	request, err := OrderRequest(1, "k1", firma, "", &Message{Subject: "Påminnelse", Body: "Brev venter"}, "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := (&Notifier{HTTP: a.client(t, a.URL+"/notifications/api/v1"), Tokens: tokens}).Order(ctx, request)
	if err != nil || id == "" || tokens.refused != 1 {
		t.Fatalf("order: %q %v, %d renewals; want it placed after one renewal", id, err, tokens.refused)
	}
	idem := `"idempotencyId":"` + OrderIdempotencyID("k1") + `"`
	if n := strings.Count(a.Bodies(), idem); n != 2 {
		t.Fatalf("%d requests with %s, want 2 (refused, then placed)", n, idem)
	}
	if orders := a.Sim.NotificationOrders(); len(orders) != 1 || orders[0].ID != id || orders[0].IdempotencyID != OrderIdempotencyID("k1") {
		t.Fatalf("simulator has orders %+v, want the one placed", orders)
	}

	tokens = a.scoped(t, "altinn:serviceowner", ProfileScope)
	var orgs []string
	for _, o := range a.Sim.Organisations() {
		if o.NotificationAddresses > 0 {
			orgs = append(orgs, o.OrgNr)
		}
	}
	found, err := (&Profile{HTTP: a.client(t, a.URL+"/profile/api/v1"), Tokens: tokens}).Lookup(ctx, orgs)
	if err != nil || len(found) == 0 || tokens.refused != 1 {
		t.Fatalf("lookup: %d found, %v, %d renewals; want addresses after one renewal", len(found), err, tokens.refused)
	}
}
