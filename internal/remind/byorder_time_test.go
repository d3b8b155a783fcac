package remind_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// A reminder by its Altinn Notifications order alone is dated when Altinn
// took the order, not at the run's start (as an e-mail is dated when the
// mail server took it): its sent time, its order's and its letters'
// reminder events.
func TestByOrderIsDatedWhenAltinnTookTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, g, r, _ := byOrderWorld(t, 2, true)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	took := now.Add(12 * time.Minute) // the run's twelfth minute
	c := r.Courier()
	defer c.Close()
	c.Now = func() time.Time { return took }
	res := c.Deliver(ctx, []remind.Group{g}, now, false)
	if res[0].Err != nil || res[0].Outcome.Status != remind.StatusSent || res[0].Outcome.OrderID == "" {
		t.Fatalf("deliver: %+v, want sent with an order", res[0])
	}
	var at struct {
		Sent    time.Time `db:"sent_at"`
		Ordered time.Time `db:"ordered_at"`
	}
	if err := st.DB().Get(&at, `SELECT sent_at, ordered_at FROM notifications WHERE id = $1`, res[0].Outcome.NotificationID); err != nil {
		t.Fatal(err)
	}
	if !at.Sent.Equal(took) || !at.Ordered.Equal(took) {
		t.Errorf("reminder by order recorded sent at %s, ordered at %s; want both %s (when Altinn took it)", at.Sent, at.Ordered, took)
	}
	var events []time.Time
	if err := st.DB().Select(&events, `SELECT observed_at FROM shipment_events WHERE kind = $1`, store.EventReminder); err != nil {
		t.Fatal(err)
	}
	if len(events) != len(g.Shipments) {
		t.Fatalf("%d reminder events, want %d", len(events), len(g.Shipments))
	}
	for _, e := range events {
		if !e.Equal(took) {
			t.Errorf("a letter's reminder event dated %s, want %s", e, took)
		}
	}
}
