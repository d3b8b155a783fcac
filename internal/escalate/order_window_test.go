package escalate

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"postvakt/internal/remind"
)

// From an independent review of reminders: the send window ("when reminders may go out. A reminder due
// outside the window waits.") holds e-mails, but not the Altinn
// Notifications orders placed again by RetryOrders. A reminder to a
// business without an e-mail address is the order alone; Altinn answers
// 503 at 15:55 (outcome unknown), and the next run, at 21:00 or on a
// public holiday, places it: Altinn e-mails (or texts) the business in the
// evening, outside the policy's 08-16 window.
func TestOrderPlacedAgainOnlyInsideSendWindow(t *testing.T) {
	for _, c := range []struct {
		name   string
		first  time.Time // inside the window: Altinn is down
		again  time.Time // outside the window
		inside time.Time // the window again
	}{
		{"evening", time.Date(2026, 11, 18, 15, 55, 0, 0, oslo), time.Date(2026, 11, 18, 21, 0, 0, 0, oslo),
			time.Date(2026, 11, 19, 8, 15, 0, 0, oslo)},
		{"christmas day", time.Date(2026, 12, 23, 15, 55, 0, 0, oslo), time.Date(2026, 12, 25, 10, 0, 0, 0, oslo),
			time.Date(2026, 12, 28, 8, 15, 0, 0, oslo)},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			var mu sync.Mutex
			down := true
			var placedAt []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if down {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				placedAt = append(placedAt, r.URL.Path)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"notificationOrderId":"0f0e0d0c-0000-4000-8000-000000000001","notification":{"shipmentId":"x","sendersReference":"1","reminders":[]}}`))
			}))
			t.Cleanup(srv.Close)
			r := h.reminder(h.mp.SMTPAddr)
			r.Orders = &remind.Orders{Log: h.st, Notifier: &remind.Notifier{HTTP: client(t, srv.URL)}}
			h.esc.Remind = r
			// Sent a week before the first run: due by then.
			h.register(ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: c.first.AddDate(0, 0, -7)})
			sum := h.run(c.first)
			if sum.Unknown != 1 {
				t.Fatalf("first run (Altinn 503): summary %+v, want the order alone unknown", sum)
			}
			mu.Lock()
			down = false
			mu.Unlock()
			h.run(c.again)
			mu.Lock()
			if len(placedAt) != 0 {
				t.Errorf("at %s, outside the send window (08-16 on business days), the reminder's order was placed: %v",
					c.again.Format("Mon 2006-01-02 15:04"), placedAt)
			}
			mu.Unlock()
			h.run(c.inside)
			mu.Lock()
			defer mu.Unlock()
			if len(placedAt) != 1 {
				t.Errorf("at %s, inside the send window, the reminder's order placed %d times, want once", c.inside.Format("Mon 2006-01-02 15:04"), len(placedAt))
			}
		})
	}
}
