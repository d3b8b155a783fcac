package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A reminder to a business without an address, claimed to go by an Altinn
// Notifications order (Claim.ByOrder), is pending and to be sent, not
// no_address; the no_address row listed before is the one reused.
// Recorded sent with its order, the order id is on the row, the letters are
// counted, and the evidence says it went through Altinn Notifications. Its
// kept order is not listed to place again; an unknown one is (placing it
// again settles it), an unknown e-mail is not.
func TestClaimByOrderWithoutAddress(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[3], orgs[3])
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	c := store.Claim{Org: orgs[3], Items: items(1, ids...), Now: now}
	first, err := st.ClaimNotification(ctx, c)
	if err != nil || first.Send || first.Notification.Status != store.NotifyNoAddress {
		t.Fatalf("without an order: %+v %v, want no_address", first.Notification, err)
	}
	c.ByOrder, c.Now = true, now.Add(time.Hour)
	res, err := st.ClaimNotification(ctx, c)
	if err != nil || !res.Send || res.Notification.ID != first.Notification.ID || res.Notification.Status != store.NotifyPending ||
		len(res.Notification.Recipients) != 0 {
		t.Fatalf("by order: %+v %v, want the same row pending, without addresses", res.Notification, err)
	}
	n := res.Notification
	if err := st.PrepareNotificationOrder(ctx, n.ID, []byte(`{"idempotencyId":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordReminders(ctx, []store.ReminderOutcome{{ID: n.ID, Status: model.NotifySent, OrderID: "order-7", Items: n.Items}}, c.Now); err != nil {
		t.Fatal(err)
	}
	var row struct {
		Status  string `db:"status"`
		OrderID string `db:"order_id"`
	}
	if err := st.DB().Get(&row, `SELECT status, order_id FROM notifications WHERE id = $1`, n.ID); err != nil || row.Status != "sent" || row.OrderID != "order-7" {
		t.Fatalf("row %+v %v, want sent with order-7", row, err)
	}
	var msgs []string
	if err := st.DB().Select(&msgs, `SELECT message FROM shipment_events WHERE kind = $1 AND payload->>'order_id' = 'order-7'`, store.EventReminder); err != nil ||
		len(msgs) != 2 || !strings.HasPrefix(msgs[0], "reminder 1 sent through Altinn Notifications to organisation "+orgs[3]) {
		t.Fatalf("events %q %v", msgs, err)
	}
	if open, err := st.OpenNotificationOrders(ctx, c.Now.Add(time.Hour), store.OrderCursor{}, 10); err != nil || len(open) != 0 {
		t.Fatalf("open orders %+v %v, want none (placed)", open, err)
	}

	// Two more letters: one reminded by order, one by e-mail, both
	// unknown (their runs stopped after Begin).
	more := registerFor(t, st, orgs[0], orgs[1])
	var unknown []int64
	for i, cl := range []store.Claim{{Org: orgs[0], Items: items(1, more[0]), Now: now, ByOrder: true},
		{Org: orgs[1], Items: items(1, more[1]), Recipients: []string{"post@y.no"}, Now: now}} {
		r, err := st.ClaimNotification(ctx, cl)
		if err != nil || !r.Send {
			t.Fatalf("claim %d: %+v %v", i, r, err)
		}
		if err := st.PrepareNotificationOrder(ctx, r.Notification.ID, []byte(`{"idempotencyId":"y"}`)); err != nil {
			t.Fatal(err)
		}
		if err := st.BeginSend(ctx, r.Notification.ID, r.Notification.ClaimedAt); err != nil {
			t.Fatal(err)
		}
		unknown = append(unknown, r.Notification.ID)
	}
	if _, err := st.ExpirePendingNotifications(ctx, now.Add(time.Hour), 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	open, err := st.OpenNotificationOrders(ctx, now.Add(time.Hour), store.OrderCursor{}, 10)
	if err != nil || len(open) != 1 || open[0].ID != unknown[0] || open[0].Status != model.NotifyUnknown {
		t.Fatalf("open orders %+v %v, want the unknown reminder by order (%d) only", open, err, unknown[0])
	}
	// Confirmed by a person instead, it is sent through Altinn
	// Notifications, and its kept order still to be placed.
	if err := st.ConfirmNotificationSent(ctx, unknown[0], "", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Select(&msgs, `SELECT message FROM shipment_events WHERE kind = $1 AND shipment_id = $2`, store.EventReminder, more[0]); err != nil ||
		len(msgs) != 1 || !strings.Contains(msgs[0], "through Altinn Notifications") || !strings.Contains(msgs[0], "confirmed as sent") {
		t.Fatalf("confirmed: events %q %v", msgs, err)
	}
	if open, err := st.OpenNotificationOrders(ctx, now.Add(2*time.Hour), store.OrderCursor{}, 10); err != nil || len(open) != 1 || open[0].Status != model.NotifySent {
		t.Fatalf("after confirm: open orders %+v %v, want its order to place", open, err)
	}
}
