package remind_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/remind"
)

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
