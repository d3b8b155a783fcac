package remind_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
)

// takeThenFail makes the fake take the first order it is sent (Altinn
// commits it) and answer 503 to it, as a gateway does after the commit;
// every later POST is answered by then (nil: by the fake).
func takeThenFail(f *fakeAltinn, then func(w http.ResponseWriter) bool) {
	first := true
	f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
		if !first {
			if then == nil {
				return false
			}
			return then(w)
		}
		first = false
		f.commit(req)
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
}

// commit has the fake take the order req carries, as Altinn commits one
// whose answer is then lost: its own handler answers into a throwaway
// writer, and the POST and that answer's code are taken off its record.
func (f *fakeAltinn) commit(req *http.Request) {
	req2 := req.Clone(req.Context())
	f.mu.Lock()
	raw := f.posts[len(f.posts)-1]
	f.posts = f.posts[:len(f.posts)-1]
	f.mu.Unlock()
	req2.Body = ioNopCloser(raw)
	saved := f.Fail
	f.Fail = nil
	f.futureOrders(&discardWriter{h: http.Header{}}, req2)
	f.Fail = saved
	f.mu.Lock()
	f.codes = f.codes[:len(f.codes)-1]
	f.mu.Unlock()
}

// throttled answers 429 (no Retry-After: the client retries at once, and
// gives up on a 429).
func throttled(w http.ResponseWriter) bool {
	w.WriteHeader(http.StatusTooManyRequests)
	return true
}

// tokensOnce gives a token once, then fails: the token exchange went down
// between the client's attempts.
type tokensOnce struct{ n atomic.Int32 }

func (s *tokensOnce) Token(context.Context) (string, error) {
	if s.n.Add(1) > 1 {
		return "", errors.New("token exchange: 503")
	}
	return "tok-notif", nil
}

// An order Altinn took on a first attempt answered 503, whose retry (the
// HTTP client's own, same idempotencyId) is answered 429, was placed: the
// final 4xx answers the retry alone. The reminder by order alone must not
// then go by e-mail to the Profile addresses too (the business would get
// it twice, the order's e-mail and postvakt's), and it is settled by
// placing the same order again: one order, no e-mail.
func TestByOrderTakenThenThrottledNoFallbackEmail(t *testing.T) {
	t.Parallel()
	f, _, g, r, mp := profileWorld(t, 1)
	takeThenFail(f, throttled)
	takenOnceNoEmail(t, f, g, r, mp, func() { f.Fail = nil })
}

// takenOnceNoEmail delivers g's reminder by order alone while Altinn takes
// the order but its answer says otherwise (f.Fail): the reminder is
// unknown, no e-mail goes to the Profile addresses; after healed (Altinn
// answers again) the run that retries orders settles it by placing the
// same order again: one order, no e-mail.
func takenOnceNoEmail(t *testing.T, f *fakeAltinn, g remind.Group, r *remind.Reminder, mp *mailpittest.Server, healed func()) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mp.Messages(t)); n != 0 || out.Status != remind.StatusUnknown {
		t.Fatalf("deliver: %s, %d e-mail(s) beside the order Altinn took (%d order(s)); want unknown, no e-mail: %+v",
			out.Status, n, len(f.Orders()), out)
	}
	healed()
	if placed, failed, err := r.RetryOrders(ctx, now.Add(time.Hour), nil); err != nil || placed != 1 || len(failed) != 0 {
		t.Fatalf("retry orders: %d %v %v, want the order settled", placed, failed, err)
	}
	if len(f.Orders()) != 1 || len(mp.Messages(t)) != 0 {
		t.Fatalf("%d orders, %d e-mails; want 1, 0", len(f.Orders()), len(mp.Messages(t)))
	}
}

// The same for a business without any address: an order Altinn took on a
// first attempt (503) is not "refused" nor "never sent" because the
// client's retry was answered 429, or found no token. Recorded failed,
// the reminder is replaceable: the next claim, with a letter more, makes
// another order under another idempotencyId, and Altinn holds two orders
// naming the first letter. Unknown, it is settled under its own
// idempotencyId and the first letter is ordered once.
func TestByOrderTakenThenRetryFailedOrderedOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		setup func(f *fakeAltinn, r *remind.Reminder)
	}{
		{"429", func(f *fakeAltinn, _ *remind.Reminder) { takeThenFail(f, throttled) }},
		{"no token", func(f *fakeAltinn, r *remind.Reminder) {
			takeThenFail(f, nil)
			r.Orders.Notifier.(*remind.Notifier).Tokens = &tokensOnce{}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, _, g, r, _ := byOrderWorld(t, 2, true)
			c.setup(f, r)
			first := g
			first.Shipments = g.Shipments[:1]
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			out, err := r.Deliver(ctx, first, now, false)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != remind.StatusUnknown {
				t.Errorf("deliver: %s (%v), want unknown: Altinn took the order", out.Status, out.Err)
			}
			// The next run, an hour later: Altinn answers again, and the
			// second letter has come due.
			f.Fail = nil
			r.Orders.Notifier.(*remind.Notifier).Tokens = staticTokens("tok-notif")
			later := now.Add(time.Hour)
			if _, _, err := r.RetryOrders(ctx, later, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Deliver(ctx, g, later, false); err != nil {
				t.Fatal(err)
			}
			naming := 0
			for _, o := range f.Orders() {
				if strings.Contains(o.Body, g.Shipments[0].ChannelID) {
					naming++
				}
			}
			if naming != 1 {
				t.Fatalf("%d orders in Altinn name the first letter (of %d orders), want 1", naming, len(f.Orders()))
			}
		})
	}
}

// Altinn Notifications refusing an order's token (a 401: a token it does
// not take, or none; a 403 without an error code: the token's scopes,
// after the one renewal) refuses every order of the run alike: it has no
// refusal of one order but its 400, 422 and coded 403. Each order was
// asked and refused all the same, one request and one error per reminder
// (thousands a run). The run asks no more after the first, as after a
// 429; a 403 with an error code is about that order and stops nothing.
var tokenRefusals = []struct {
	name   string
	answer func(w http.ResponseWriter, r *http.Request) bool
	stops  bool
}{
	{"401", func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}, true},
	{"403 without a body", func(w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(http.StatusForbidden)
		return true
	}, true},
	{"403 with an error code", codedForbidden, false},
}

// TestRetryOrdersStopsWhenTokenRefused: RetryOrders' orders after a token
// refusal wait for a later run, no attempt counted.
func TestRetryOrdersStopsWhenTokenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range tokenRefusals {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			const kept = 5
			keptOrders(t, st, "refused", g.Shipments[0].ShipmentID, kept, now.Add(-time.Hour))
			f.Fail = tc.answer
			placed, failed, err := r.RetryOrders(ctx, now, nil)
			if err != nil || placed != 0 {
				t.Fatalf("retry while refused: placed %d, %v", placed, err)
			}
			want := kept
			if tc.stops {
				want = 1
			}
			if n, _ := f.Posts(); n != want || len(failed) != want {
				t.Fatalf("%d orders posted, %d failed after Altinn answered %s; want %d", n, len(failed), tc.name, want)
			}
			var untried int
			if err := st.DB().Get(&untried, `SELECT count(*) FROM notifications WHERE key LIKE 'refused-%' AND order_attempts = 0`); err != nil {
				t.Fatal(err)
			}
			if untried != kept-want {
				t.Fatalf("%d orders without an attempt counted, want %d", untried, kept-want)
			}
		})
	}
}

// TestCourierStopsOrderingWhenTokenRefused: a run's reminders by order
// alone after a token refusal are failed as the first was (not placed,
// sent by a later run) without being sent.
func TestCourierStopsOrderingWhenTokenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range tokenRefusals {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, _, r, _ := byOrderWorld(t, 0, true)
			orgs := []string{hnFirma, "964338531", "910753614", "991825827"}
			gs := altinnLetterTo(t, st, orgs)
			f.Fail = tc.answer
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			c := r.Courier()
			defer c.Close()
			for i, res := range c.Deliver(ctx, gs, now, false) {
				if res.Err != nil || res.Outcome.Status != remind.StatusFailed {
					t.Errorf("%s: %+v %v, want failed", orgs[i], res.Outcome, res.Err)
				}
			}
			want := len(orgs)
			if tc.stops {
				want = 1
			}
			if n, _ := f.Posts(); n != want {
				t.Fatalf("%d orders posted in one run after Altinn answered %s; want %d", n, tc.name, want)
			}
		})
	}
}
