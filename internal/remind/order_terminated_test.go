package remind_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/remind"
)

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
	ctx := context.Background()
	f, _, g, r, mp := profileWorld(t, 1)
	f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
		f.Fail = nil
		f.commit(req)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(499)
		_, _ = w.Write([]byte(`{"status":499,"errorCode":"NOT-00002","detail":"The client disconnected or cancelled the request before the server could complete processing"}`))
		return true
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mp.Messages(t)); n != 0 || out.Status != remind.StatusUnknown {
		t.Fatalf("deliver: %s, %d e-mail(s) beside the order Altinn took (%d order(s)); want unknown, no e-mail: %+v",
			out.Status, n, len(f.Orders()), out)
	}
	if placed, failed, err := r.RetryOrders(ctx, now.Add(time.Hour), nil); err != nil || placed != 1 || len(failed) != 0 {
		t.Fatalf("retry orders: %d %v %v, want the order settled", placed, failed, err)
	}
	if len(f.Orders()) != 1 || len(mp.Messages(t)) != 0 {
		t.Fatalf("%d orders, %d e-mails; want 1, 0", len(f.Orders()), len(mp.Messages(t)))
	}
}
