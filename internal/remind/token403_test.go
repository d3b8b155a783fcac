package remind_test

// Altinn Notifications and Profile answer a token they do not take as
// Correspondence does (altinntoken; the fake's auth, from their sources:
// the policy refusing the token's scopes is a 403 without a body), and
// postvakt renews the token once and asks again, the order with the same
// idempotencyId. A 403 with an error code is about the request, not the
// token: nothing is renewed, and the order is failed as before.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/altinntoken"
	"postvakt/internal/httpclient"
	"postvakt/internal/remind"
)

// renewingTokens gives its tokens in order: the next once a service has
// refused the current one (Invalidate, as maskinporten.Source renews).
type renewingTokens struct {
	mu       sync.Mutex
	list     []string
	i        int
	refused  []string
	canRenew bool
}

func newRenewingTokens(list ...string) *renewingTokens {
	return &renewingTokens{list: list, canRenew: true}
}

func (r *renewingTokens) Token(context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.list[min(r.i, len(r.list)-1)], nil
}

func (r *renewingTokens) Invalidate(tok string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, tok)
	r.i++
	return r.canRenew
}

func (r *renewingTokens) renewals() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.refused)
}

// codedForbidden answers 403 with an Altinn error code: about the
// request, not the token (a proxy's, or a later version's own refusal).
func codedForbidden(w http.ResponseWriter, _ *http.Request) bool {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(`{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.4","title":"Forbidden","status":403,"detail":"Not allowed for this recipient","code":"NOT-00403"}`))
	return true
}

// idempotencyIDs are the idempotencyIds of the fake's POSTs, in order.
func idempotencyIDs(t *testing.T, f *fakeAltinn) []string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, p := range f.posts {
		var o struct {
			IdempotencyID string `json:"idempotencyId"`
		}
		if err := json.Unmarshal([]byte(p), &o); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.IdempotencyID)
	}
	return ids
}

// A reminder sent by its order alone whose token Notifications refuses
// (403 without a body: the token lacks notifications.create) gets one new
// token, and the same order goes again: placed once, the reminder sent
// with it. Without the renewal the 403 would fail the reminder.
func TestTokenRefusedOrderRenewedOnce(t *testing.T) {
	t.Parallel()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	tokens := newRenewingTokens("tok-none", "tok-notif")
	r.Orders.Notifier = &remind.Notifier{HTTP: hnClient(t, f.NotifBase()), Tokens: tokens}
	out, err := r.Deliver(context.Background(), g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != remind.StatusSent || out.OrderID == "" {
		t.Fatalf("deliver: %+v %v, want sent with an order after one renewal", out, err)
	}
	n, codes := f.Posts()
	if n != 2 || codes[0] != http.StatusForbidden || codes[1] != http.StatusCreated || tokens.renewals() != 1 {
		t.Fatalf("%d posts %v, %d renewals; want 403 then 201, one renewal", n, codes, tokens.renewals())
	}
	if ids := idempotencyIDs(t, f); ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("idempotencyIds %q, want the same twice", ids)
	}
	if len(f.Orders()) != 1 || f.Orders()[0].ID != out.OrderID {
		t.Fatalf("%d orders, want the one placed", len(f.Orders()))
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "sent" || row.OrderID != out.OrderID {
		t.Fatalf("notification %+v, want sent with order %s", row, out.OrderID)
	}
}

// The order of a reminder whose outcome is unknown (the answer lost after
// Altinn placed it) is settled by placing it again; when that token is
// refused (403 without a body), it is renewed once and the same order
// answered back (200): one order in Altinn, the reminder sent with it.
func TestTokenRefusedUnknownOrderSettledOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	lost := true
	f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
		if !lost {
			return false
		}
		lost = false
		// Altinn places the order; its answer is lost (a gateway's 502).
		f.mu.Lock()
		raw := f.posts[len(f.posts)-1]
		f.posts = f.posts[:len(f.posts)-1]
		f.mu.Unlock()
		req2 := req.Clone(req.Context())
		req2.Body = ioNopCloser(raw)
		f.futureOrders(&discardWriter{h: http.Header{}}, req2)
		f.mu.Lock()
		f.codes = f.codes[:len(f.codes)-1]
		f.mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
		return true
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r.Orders.Notifier.(*remind.Notifier).HTTP = hnClient0(t, f.NotifBase())
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusUnknown || len(f.Orders()) != 1 {
		t.Fatalf("deliver: %+v %v (%d orders), want unknown with the order placed", out, err, len(f.Orders()))
	}
	tokens := newRenewingTokens("tok-none", "tok-notif")
	r.Orders.Notifier = &remind.Notifier{HTTP: hnClient(t, f.NotifBase()), Tokens: tokens}
	placed, failed, err := r.RetryOrders(ctx, now.Add(24*time.Hour), nil)
	if err != nil || placed != 1 || len(failed) != 0 || tokens.renewals() != 1 {
		t.Fatalf("retry orders: %d placed, %d failed, %v, %d renewals; want it settled after one renewal", placed, len(failed), err, tokens.renewals())
	}
	if len(f.Orders()) != 1 {
		t.Fatalf("%d orders, want the one placed before", len(f.Orders()))
	}
	if ids := idempotencyIDs(t, f); len(ids) != 3 || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("idempotencyIds %q, want the same three times", ids)
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "sent" || row.OrderID != f.Orders()[0].ID {
		t.Fatalf("notification %+v, want sent with the order placed before", row)
	}
}

// A 403 with an Altinn error code is the order's refusal, not the
// token's: no new token, no second request, and the reminder is failed
// (not unknown: Altinn answered, so no order was placed), as before.
func TestCodedForbiddenOrderNotRetried(t *testing.T) {
	t.Parallel()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	f.Fail = codedForbidden
	tokens := newRenewingTokens("tok-notif", "tok-notif")
	r.Orders.Notifier = &remind.Notifier{HTTP: hnClient(t, f.NotifBase()), Tokens: tokens}
	out, err := r.Deliver(context.Background(), g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != remind.StatusFailed || out.OrderID != "" {
		t.Fatalf("deliver: %+v %v, want failed", out, err)
	}
	if n, _ := f.Posts(); n != 1 || tokens.renewals() != 0 {
		t.Fatalf("%d posts, %d renewals; want one post and no renewal", n, tokens.renewals())
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "failed" {
		t.Fatalf("notification %+v, want failed", row)
	}
}

// When the new token is refused too, the order is failed (a 4xx: not
// placed), after two requests and one renewal, with an error that names
// the scope Notifications wants.
func TestTokenRefusedTwiceOrderFailed(t *testing.T) {
	t.Parallel()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	f.mu.Lock()
	f.tokens["tok-none2"] = [2]string{"bergen", "altinn:serviceowner"}
	f.mu.Unlock()
	tokens := newRenewingTokens("tok-none", "tok-none2")
	r.Orders.Notifier = &remind.Notifier{HTTP: hnClient(t, f.NotifBase()), Tokens: tokens}
	out, err := r.Deliver(context.Background(), g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != remind.StatusFailed {
		t.Fatalf("deliver: %+v %v, want failed", out, err)
	}
	if !errors.Is(out.Err, altinntoken.ErrRefused) || !strings.Contains(out.Err.Error(), "altinn:serviceowner/notifications.create") {
		t.Fatalf("error %v, want the token refused, naming notifications.create", out.Err)
	}
	if n, _ := f.Posts(); n != 2 || tokens.renewals() != 1 || len(f.Orders()) != 0 {
		t.Fatalf("%d posts, %d renewals, %d orders; want two posts, one renewal, no order", n, tokens.renewals(), len(f.Orders()))
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "failed" {
		t.Fatalf("notification %+v, want failed", row)
	}
}

// Profile's lookup: a token without its scope (403 without a body) is
// renewed once and the lookup answered; a 403 with an error code is
// the answer, not renewed.
func TestProfileTokenRefused(t *testing.T) {
	t.Parallel()
	f := newFakeAltinn(t)
	f.Addresses[hnFirma] = []string{"post@firma.no"}
	tokens := newRenewingTokens("tok-none", "tok-profile")
	p := &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: tokens}
	found, err := p.Lookup(context.Background(), []string{hnFirma})
	if err != nil || len(found[hnFirma]) != 1 || tokens.renewals() != 1 || f.lookups != 2 {
		t.Fatalf("lookup: %v %v, %d renewals, %d lookups; want the address after one renewal", found, err, tokens.renewals(), f.lookups)
	}
	f.ProfileFail = codedForbidden
	tokens = newRenewingTokens("tok-profile", "tok-profile")
	p = &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: tokens}
	if _, err := p.Lookup(context.Background(), []string{hnFirma}); err == nil || tokens.renewals() != 0 || f.lookups != 3 {
		t.Fatalf("coded 403: %v, %d renewals, %d lookups; want the error, no renewal, one lookup", err, tokens.renewals(), f.lookups)
	}
}

// hnClient0 is hnClient without retries: a lost answer stays lost.
func hnClient0(t *testing.T, base string) *httpclient.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{Name: "hnotif", BaseURL: base, MaxRetries: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}
