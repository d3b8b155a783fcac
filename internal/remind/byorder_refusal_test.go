package remind_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/remind"
)

// exchangeTokens gives the Notifications token, or, while down, fails as
// the Altinn token exchange does when it answers 401 (Altinn's register
// down, the notes say: retry later): the order's request never leaves.
type exchangeTokens struct{ down *atomic.Bool }

func (e exchangeTokens) Token(context.Context) (string, error) {
	if e.down.Load() {
		return "", fmt.Errorf("altinn: exchanging the Maskinporten token: %w",
			&httpclient.StatusError{Name: "altinn_exchange", Op: "exchange", Method: http.MethodGet, StatusCode: http.StatusUnauthorized})
	}
	return "tok-notif", nil
}

// TestByOrderExchangeDownIsNoRefusal: the token exchange answering 401 is
// not Altinn Notifications refusing the order; the order was never sent.
// A first try is failed (not refused, no fallback e-mail, nothing listed
// as an order refused) and tried again after its wait; a reminder whose
// outcome is unknown (an earlier try may have placed its order) stays
// unknown, never failed, so that no later claim orders its letters again;
// and so does one whose order placed again is answered 429 (about that
// request alone). Once the exchange answers, the unknown one is placed,
// once.
func TestByOrderExchangeDownIsNoRefusal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	t.Run("first try", func(t *testing.T) {
		t.Parallel()
		f, st, g, r, mp := profileWorld(t, 1) // Profile addresses: an order refused would fall back to them
		var down atomic.Bool
		down.Store(true)
		r.Orders.Notifier.(*remind.Notifier).Tokens = exchangeTokens{&down}
		out, err := r.Deliver(ctx, g, now, false)
		if err != nil || out.Status != remind.StatusFailed || out.OrderGivenUp {
			t.Fatalf("deliver: %+v %v, want failed, the order kept", out, err)
		}
		row := byOrderNotification(t, st, out.NotificationID)
		var refused bool
		if err := st.DB().Get(&refused, `SELECT order_refused_at IS NOT NULL FROM notifications WHERE id = $1`, out.NotificationID); err != nil {
			t.Fatal(err)
		}
		if row.Status != "failed" || refused {
			t.Fatalf("notification %+v (listed as refused: %v), want failed and not listed", row, refused)
		}
		if n, _ := f.Posts(); n != 0 || len(mp.Messages(t)) != 0 {
			t.Fatalf("%d orders and %d e-mails sent, want none", n, len(mp.Messages(t)))
		}
		down.Store(false)
		if _, err := r.Deliver(ctx, g, now.Add(11*time.Minute), false); err != nil {
			t.Fatal(err)
		}
		if len(f.Orders()) != 1 {
			t.Fatalf("%d orders after the wait, want 1", len(f.Orders()))
		}
	})
	t.Run("unknown outcome", func(t *testing.T) {
		t.Parallel()
		f, st, g, r, _ := byOrderWorld(t, 1, true)
		var fail atomic.Int32 // 0: answer; 503; 429
		f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
			code := int(fail.Load())
			if code != 0 {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(code)
			}
			return code != 0
		}
		fail.Store(http.StatusServiceUnavailable)
		out, err := r.Deliver(ctx, g, now, false)
		if err != nil || out.Status != remind.StatusUnknown {
			t.Fatalf("deliver: %+v %v, want unknown", out, err)
		}
		var down atomic.Bool
		down.Store(true)
		r.Orders.Notifier.(*remind.Notifier).Tokens = exchangeTokens{&down}
		fail.Store(0)
		at := now.Add(15 * time.Minute)
		if placed, failed, err := r.RetryOrders(ctx, at, nil); err != nil || placed != 0 || len(failed) != 1 {
			t.Fatalf("settle while the exchange is down: %d %v %v, want tried, not placed", placed, failed, err)
		}
		if row := byOrderNotification(t, st, out.NotificationID); row.Status != "unknown" {
			t.Fatalf("after the exchange's 401: notification %+v, want still unknown", row)
		}
		down.Store(false)
		fail.Store(http.StatusTooManyRequests)
		at = at.Add(2 * time.Hour)
		if _, _, err := r.RetryOrders(ctx, at, nil); err != nil {
			t.Fatal(err)
		}
		if row := byOrderNotification(t, st, out.NotificationID); row.Status != "unknown" {
			t.Fatalf("after a 429: notification %+v, want still unknown", row)
		}
		// Meanwhile no claim orders its letter again.
		if next, err := r.Deliver(ctx, g, at, false); err != nil || next.Status != remind.StatusNothing {
			t.Fatalf("a run meanwhile: %+v %v, want nothing sent", next, err)
		}
		fail.Store(0)
		at = at.Add(24 * time.Hour)
		if placed, _, err := r.RetryOrders(ctx, at, nil); err != nil || placed != 1 {
			t.Fatalf("settle once all answer: %d %v, want placed", placed, err)
		}
		if row := byOrderNotification(t, st, out.NotificationID); row.Status != "sent" || len(f.Orders()) != 1 {
			t.Fatalf("notification %+v, %d orders: want sent with one order", row, len(f.Orders()))
		}
	})
}

// Altinn Notifications answers 499 with errorCode NOT-00002 ("Request
// Terminated") when it thinks the client went away before it completed
// the request: a 4xx that refuses nothing, for an order it may have
// committed (Altinn's error-code reference: retry with the same
// idempotencyId). A reminder by order alone must not take it for a
// refusal and go by e-mail to the Profile addresses as well: it is
// unknown, and settled by placing the same order again. One order, no
// e-mail.
func TestByOrderRequestTerminatedIsNoRefusal(t *testing.T) {
	t.Parallel()
	f, _, g, r, mp := profileWorld(t, 1)
	f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
		f.Fail = nil
		f.commit(req)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(499)
		_, _ = w.Write([]byte(`{"status":499,"errorCode":"NOT-00002","detail":"The client disconnected or cancelled the request before the server could complete processing"}`))
		return true
	}
	takenOnceNoEmail(t, f, g, r, mp, func() {})
}

// A redirect is no answer of Altinn Notifications to an order: its API
// redirects nowhere, and the client follows no redirect to another address
// (the token stays with the service), so the order never reached it:
// POSTVAKT_NOTIFICATIONS_URL with http:// where the platform redirects to
// https://. The order was not placed: the business is reminded by e-mail to
// its Altinn Profile addresses in the same run, as for a 400. Before, the
// reminder was unknown ("may have been placed"), sent to nobody, and
// settled only by placing the order again, redirected again, run after run.
func TestByOrderRedirectIsNoPlacement(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, g, r, mp := profileWorld(t, 1)
			f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
				http.Redirect(w, req, "https://elsewhere.example.invalid"+req.URL.Path, code)
				return true
			}
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			out, err := r.Deliver(ctx, g, now, false)
			if err != nil || out.Status != remind.StatusSent || out.Route != remind.RouteEmail || out.OrderErr == nil {
				t.Fatalf("deliver: %s by %s (%v, order: %v); want sent by e-mail, the order not placed", out.Status, out.Route, err, out.OrderErr)
			}
			if got := recipientsOf(mp.Messages(t)); !reflect.DeepEqual(got, []string{strings.Join(profileAddrs, ",")}) {
				t.Fatalf("e-mails to %q, want one to the Profile addresses", got)
			}
			if row := profileNotification(t, st, out.NotificationID); row.Status != "sent" || row.Refused || row.OrderID != "" {
				t.Fatalf("notification %+v, want sent by e-mail, its order given up, not refused for good", row)
			}
		})
	}
}
