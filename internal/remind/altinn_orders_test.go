package remind_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

const hnFirma = "974760673"

func hnClient(t *testing.T, base string) *httpclient.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{Name: "hnotif", BaseURL: base, BackoffBase: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// hnFixture registers n confidential letters on channel to org and
// returns the store and the group to deliver.
func hnFixture(t *testing.T, channel, org string, n int) (*store.Store, remind.Group) {
	t.Helper()
	st, g := hnLetters(t, channel, org, n)
	if _, err := st.ReplaceContacts(context.Background(), []store.Contact{{Org: org, Email: "post@example.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	return st, g
}

// hnLetters registers n confidential letters on channel to org, which has
// no e-mail address, and returns the store and the group to deliver.
func hnLetters(t *testing.T, channel, org string, n int) (*store.Store, remind.Group) {
	t.Helper()
	st := storetest.Open(t)
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		l := storetest.Letter(i)
		l.Channel, l.RecipientID = channel, org
		l.ChannelID = fmt.Sprintf("0b6c1f1e-8f5a-4b2e-9d1c-%012d", i)
		l.Title = fmt.Sprintf("HEMMELIG-TITTEL-%d", i)
		items = append(items, l)
	}
	got := storetest.Register(t, st, items...)
	g := remind.Group{Org: org}
	for _, s := range got {
		g.Shipments = append(g.Shipments, remind.Shipment{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1})
	}
	return st, g
}

// newOrderWorld is one order test's world: Altinn's fake, n letters to org
// on channel, mailpit, and the reminder with resourceID.
func newOrderWorld(t *testing.T, channel, org string, n int, resourceID string) (*fakeAltinn, *store.Store, remind.Group, *remind.Reminder) {
	t.Helper()
	f := newFakeAltinn(t)
	st, g := hnFixture(t, channel, org, n)
	mp := mailpittest.Start(t)
	return f, st, g, hnReminder(t, st, mp.SMTPAddr, f, resourceID)
}

func hnReminder(t *testing.T, st *store.Store, smtpAddr string, f *fakeAltinn, resourceID string) *remind.Reminder {
	t.Helper()
	s, err := remind.NewSMTP(remind.SMTPConfig{Addr: smtpAddr, From: "postvakt@bergen.kommune.no", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &remind.Reminder{Log: st, Sender: s, From: "postvakt@bergen.kommune.no", Logger: slog.New(slog.DiscardHandler),
		Orders: &remind.Orders{Log: st, Notifier: &remind.Notifier{HTTP: hnClient(t, f.NotifBase()), Tokens: staticTokens("tok-notif")},
			ResourceID: resourceID}}
}

// The fake and postvakt agree on the plain path (no resource id):
// 201 first, 200 with the same order on a repeat.
func TestAltinnOrdersPlainOrderAndRepeat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 2, "")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusSent || out.OrderErr != nil || out.OrderID == "" {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	var req []byte
	if err := st.DB().Get(&req, `SELECT order_request FROM notifications WHERE id = $1`, out.NotificationID); err != nil {
		t.Fatal(err)
	}
	again, err := (&remind.Notifier{HTTP: hnClient(t, f.NotifBase()), Tokens: staticTokens("tok-notif")}).Order(ctx, req)
	if err != nil || again != out.OrderID {
		t.Fatalf("repeat: %q %v, want %q", again, err, out.OrderID)
	}
	if n, codes := f.Posts(); n != 2 || codes[0] != 201 || codes[1] != 200 || len(f.Orders()) != 1 {
		t.Fatalf("posts %d %v orders %d", n, codes, len(f.Orders()))
	}
	if o := f.Orders()[0]; strings.Contains(o.Raw, "HEMMELIG") || strings.Contains(o.Raw, "Barnevern") {
		t.Fatalf("confidential content in the order: %s", o.Raw)
	}
}

// POSTVAKT_ALTINN_RESOURCE_ID is the bare Correspondence resource id (as
// discovery's ?resourceId= takes it); Notifications requires
// "urn:altinn:resource:<id>" (RecipientRules.BeValidResourceId) and would
// answer 400 to every order.
func TestAltinnOrdersResourceIDNeedsURN(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, _, g, r := newOrderWorld(t, "altinn", hnFirma, 1, "sim-taushetsbelagt-post") // as configured for Correspondence
	out, err := r.Deliver(ctx, g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != remind.StatusSent {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	if out.OrderErr != nil || out.OrderID == "" {
		t.Fatalf("order not placed: %v", out.OrderErr)
	}
	if o := f.Orders()[0]; o.ResourceID != "urn:altinn:resource:sim-taushetsbelagt-post" {
		t.Fatalf("resourceId %q", o.ResourceID)
	}
	// Written as a URN in another case, it is that URN, not a second
	// prefix before it.
	f, _, g, r = newOrderWorld(t, "altinn", hnFirma, 1, "URN:Altinn:Resource:sim-taushetsbelagt-post")
	if out, err := r.Deliver(ctx, g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false); err != nil || out.OrderID == "" {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	if o := f.Orders()[0]; o.ResourceID != "urn:altinn:resource:sim-taushetsbelagt-post" {
		t.Fatalf("resourceId %q, want urn:altinn:resource:sim-taushetsbelagt-post", o.ResourceID)
	}
}

// A 400 "is not final: the order goes once it is fixed" (README): an order
// Altinn refused for its resource id goes, once the setting is fixed, with
// the fixed resource id, though its body was kept at the first attempt.
func TestAltinnOrdersFixedSettingReachesKeptOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r := newOrderWorld(t, "altinn", hnFirma, 1, "urn:altinn:resource:") // a setting Altinn refuses
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusSent || out.OrderErr == nil {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	// The operator fixes the setting.
	r.Orders.ResourceID = "sim-taushetsbelagt-post"
	if _, _, err := r.RetryOrders(ctx, now.Add(15*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	var orderID, orderErr string
	if err := st.DB().QueryRow(`SELECT order_id, order_error FROM notifications WHERE id = $1`, out.NotificationID).Scan(&orderID, &orderErr); err != nil {
		t.Fatal(err)
	}
	if orderID == "" {
		t.Fatalf("the kept order is still refused after the setting was fixed: %s", orderErr)
	}
	if o := f.Orders(); len(o) != 1 || o[0].ResourceID != "urn:altinn:resource:sim-taushetsbelagt-post" {
		t.Fatalf("orders %+v", o)
	}
}

// Reminders to Danish businesses (CVR, Digital Post) are not ordered
// through Altinn Notifications: Altinn would answer 400 ("Organization
// number must be 9 digits long.") at every run.
func TestAltinnOrdersDanishReminderNotOrderedInAltinn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, _, g, r := newOrderWorld(t, "digitalpost", "10150817", 1, "")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusSent {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	for i := 1; i <= 3; i++ {
		if _, _, err := r.RetryOrders(ctx, now.Add(time.Duration(i)*15*time.Minute), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n, codes := f.Posts(); n != 0 {
		t.Fatalf("%d Notifications orders for a CVR number (answers %v); Altinn does not know CVR numbers", n, codes)
	}
	if out.OrderErr != nil {
		t.Fatalf("order error for a Danish reminder: %v", out.OrderErr)
	}
}

// 500 kept orders Altinn keeps refusing (a 400) do not starve a newer one
// for good: a failed order waits (model.RetryAfter) and the one waiting
// longest goes first.
func TestAltinnOrdersRefusedOrdersDoNotStarveNewOnes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 2, "")
	old := g.Shipments[1].ShipmentID
	g.Shipments = g.Shipments[:1]
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	// 500 older sent reminders of a letter still unopened, whose kept orders
	// Altinn refuses with 400.
	bad := `{"idempotencyId":"x","recipient":{"recipientOrganization":{"orgNumber":"` + hnFirma + `","channelSchema":"Nope","emailSettings":{"subject":"s","body":"b"}}}}`
	if _, err := st.DB().Exec(`INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, sent_at, updated_at, order_request)
		SELECT 'old-' || i, $3, 'sent', $1, $1, $1, $1, $2::jsonb FROM generate_series(1, 500) i`, now.Add(-time.Hour), bad, hnFirma); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`INSERT INTO notification_items (notification_id, shipment_id, reminder)
		SELECT id, $1, row_number() OVER (ORDER BY id) FROM notifications WHERE key LIKE 'old-%'`, old); err != nil {
		t.Fatal(err)
	}
	f.Fail = func(w http.ResponseWriter, r *http.Request) bool { // Altinn down for the first attempt
		f.Fail = nil
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	r.Orders.Notifier = &remind.Notifier{HTTP: func() *httpclient.Client {
		hc, _ := httpclient.New(httpclient.Options{Name: "n", BaseURL: f.NotifBase(), MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
		return hc
	}(), Tokens: staticTokens("tok-notif")}
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusSent || out.OrderErr == nil {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	// Two runs, 15 and 20 minutes on: the first asks about the 500 never
	// tried (the new one waits its 10 minutes behind them), the second
	// about the new one (the 500 refused again wait).
	for _, at := range []time.Duration{15 * time.Minute, 20 * time.Minute} {
		if _, _, err := r.RetryOrders(ctx, now.Add(at), nil); err != nil {
			t.Fatal(err)
		}
	}
	var orderID string
	if err := st.DB().Get(&orderID, `SELECT order_id FROM notifications WHERE id = $1`, out.NotificationID); err != nil {
		t.Fatal(err)
	}
	n, _ := f.Posts()
	if orderID == "" {
		t.Fatalf("the new reminder's order was never retried (%d posts, all for the 500 refused ones)", n)
	}
	if n != 1+500+1 {
		t.Fatalf("%d posts: the refused orders were asked about at every run", n)
	}
}

// Altinn Profile holds organisation e-mail addresses with æøå in the domain
// (CustomRegexForNotificationAddressesAttribute _kofEmailRegexPattern):
// they are kept, the domain in ASCII (IDNA), not dropped (which cached the
// organisation as having no address).
func TestAltinnOrdersProfileIDNAddressKept(t *testing.T) {
	t.Parallel()
	f := newFakeAltinn(t)
	f.Addresses["974760673"] = []string{"post@bærum.kommune.no"}
	f.Addresses["912345678"] = []string{"postmottak@bergen.kommune.no", "Arkiv@Bergen.Kommune.NO"}
	p := &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: staticTokens("tok-profile")}
	found, err := p.Lookup(context.Background(), []string{"974760673", "912345678"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found["912345678"]) != 2 {
		t.Fatalf("plain addresses: %v", found)
	}
	if got := found["974760673"]; len(got) != 1 || got[0] != "post@xn--brum-voa.kommune.no" {
		t.Fatalf("the organisation's only Profile address (post@bærum.kommune.no) is lost: %q", got)
	}
}

// main-unit fallback, orgs left out, 403 scope error, problem+json.
func TestAltinnOrdersProfileShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFakeAltinn(t)
	f.Addresses["999999999"] = []string{"hoved@example.no"}
	f.MainUnit["888888888"] = "999999999"
	p := &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: staticTokens("tok-profile")}
	found, err := p.Lookup(ctx, []string{"888888888", "777777777"})
	if err != nil || len(found) != 1 || found["888888888"][0] != "hoved@example.no" {
		t.Fatalf("%v %v", found, err)
	}
	_, err = (&remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: staticTokens("tok-none")}).Lookup(ctx, []string{"888888888"})
	if err == nil {
		t.Fatal("403 not an error")
	}
}

// 422 NOT-00001 is refused for good, recorded once, not retried.
func TestAltinnOrdersNoContactRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
	f.NoContact[hnFirma] = true
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusSent || out.OrderErr == nil {
		t.Fatalf("%+v %v", out, err)
	}
	if _, _, err := r.RetryOrders(ctx, now.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if n, codes := f.Posts(); n != 1 || codes[0] != 422 {
		t.Fatalf("posts %d %v", n, codes)
	}
	ro, err := st.RefusedNotificationOrders(ctx)
	if err != nil || len(ro) != 1 {
		t.Fatalf("%v %v", ro, err)
	}
	b, _ := json.Marshal(ro)
	if bytes.Contains(b, []byte("HEMMELIG")) {
		t.Fatal("title")
	}
}

// Altinn commits the order but the answer is lost (a gateway 502
// after the commit): the retry under the same idempotencyId gets 200 and
// the same order; one order in Altinn.
func TestAltinnOrdersLostAnswerRetriedIdempotently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, _, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
	first := true
	f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
		if !first {
			return false
		}
		first = false
		f.commit(req)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		return true
	}
	out, err := r.Deliver(ctx, g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != remind.StatusSent || out.OrderErr != nil || out.OrderID == "" {
		t.Fatalf("%+v %v", out, err)
	}
	if len(f.Orders()) != 1 || f.Orders()[0].ID != out.OrderID {
		t.Fatalf("orders %d", len(f.Orders()))
	}
}

type discardWriter struct {
	h http.Header
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func ioNopCloser(s string) *nopBody { return &nopBody{strings.NewReader(s)} }

type nopBody struct{ *strings.Reader }

func (nopBody) Close() error { return nil }

// An order that could not be placed is not placed by a later run when
// every letter it names was opened meanwhile: Altinn would tell all the
// organisation's notification addresses of letters that no longer wait.
// Nor when every letter it names stopped escalating meanwhile, still
// unopened: its unit closed its case (sent it again, wrote a new letter:
// stage closed), SvarUt deleted it, or its print was ordered. A reminder's
// e-mail is not sent for such a letter either (model.Eligible, BeginSend):
// the order, two days late, told the organisation's addresses of a letter
// its sender had withdrawn.
func TestAltinnOrdersLateOrderForLettersNoLongerReminded(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]storetest.Change{
		"opened":                        storetest.State(model.StateOpened),
		string(model.StageClosed):       storetest.Stage(model.StageClosed),
		string(model.StagePrintOrdered): storetest.Stage(model.StagePrintOrdered),
		string(model.StagePrinted):      storetest.Stage(model.StagePrinted),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
			r.Orders.Notifier = &remind.Notifier{HTTP: func() *httpclient.Client {
				hc, _ := httpclient.New(httpclient.Options{Name: "n", BaseURL: f.NotifBase(), MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
				return hc
			}(), Tokens: staticTokens("tok-notif")}
			f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			out, err := r.Deliver(ctx, g, now, false)
			if err != nil || out.Status != remind.StatusSent || out.OrderErr == nil {
				t.Fatalf("%+v %v", out, err)
			}
			// Altinn is down for two days; meanwhile the letter changes.
			storetest.Set(t, st, []string{g.Shipments[0].ShipmentID}, change)
			f.Fail = nil
			if _, _, err := r.RetryOrders(ctx, now.Add(48*time.Hour), nil); err != nil {
				t.Fatal(err)
			}
			if len(f.Orders()) != 0 {
				t.Fatalf("a reminder ordered in Altinn two days late, for a letter %s meanwhile", name)
			}
		})
	}
}

// A 400's ValidationProblemDetails says which field Altinn refused only in
// "errors": the order's error names them, so the operator can tell what to
// fix (not only "One or more validation errors occurred.").
func TestAltinnOrdersValidationErrorsShown(t *testing.T) {
	t.Parallel()
	f := newFakeAltinn(t)
	n := &remind.Notifier{HTTP: hnClient(t, f.NotifBase()), Tokens: staticTokens("tok-notif")}
	m := &remind.Message{Subject: "s", Body: "b"}
	req, err := remind.OrderRequest(1, "k", "10150817", "urn:altinn:resource:", m, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Order(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "ResourceId") || !strings.Contains(err.Error(), "OrgNumber") {
		t.Fatalf("the error does not say what Altinn refused: %v", err)
	}
}

// A 429 whose Retry-After (an HTTP date) asks for longer than the HTTP
// client waits: the order is placed again no sooner than Altinn asked,
// not after postvakt's own first backoff (10 minutes).
func TestAltinnOrdersRetryAfterDateHonoured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
	f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
		w.Header().Set("Retry-After", time.Now().Add(3*time.Hour).UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"title":"Too Many Requests","status":429}`))
		return true
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusSent || out.OrderErr == nil {
		t.Fatalf("deliver: %+v %v; want the e-mail sent and the order failed", out, err)
	}
	var next time.Time
	if err := st.DB().Get(&next, `SELECT order_next_at FROM notifications WHERE id = $1`, out.NotificationID); err != nil {
		t.Fatal(err)
	}
	if next.Before(now.Add(3*time.Hour - 2*time.Minute)) {
		t.Fatalf("order placed again at %s, %s after the 429; want no sooner than Altinn's Retry-After (3h)", next.UTC(), next.Sub(now))
	}
	if len(f.Orders()) != 0 {
		t.Fatalf("orders %d", len(f.Orders()))
	}
}
