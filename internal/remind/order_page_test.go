package remind_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// TestRetryOrdersPagesPastWaitingOrders: orders a run leaves for later
// (outside their reminder's send window) do not hold back the ones listed
// after them: with more waiting orders than a page holds, the order whose
// window is open is placed in the same run, not never (each run listed the
// same first page of waiting orders again).
func TestRetryOrdersPagesPastWaitingOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	const kept = 5
	ids := keptOrders(t, st, "paged", g.Shipments[0].ShipmentID, kept, now.Add(-time.Hour))
	r.Orders.Page = 2
	last := ids[kept-1]
	waits := 0
	placed, failed, err := r.RetryOrders(ctx, now, func(o store.NotificationOrder) bool {
		if o.ID != last {
			waits++
			return true // outside its send window
		}
		return false
	})
	if err != nil || placed != 1 || len(failed) != 0 {
		t.Fatalf("placed %d, failed %d, %v; want the one order whose window is open placed", placed, len(failed), err)
	}
	if waits != kept-1 {
		t.Errorf("%d orders asked about their window, want %d (each once)", waits, kept-1)
	}
	if n := len(f.Orders()); n != 1 {
		t.Errorf("%d orders posted, want 1", n)
	}
	var open int
	if err := st.DB().Get(&open, `SELECT count(*) FROM notifications WHERE key LIKE 'paged-%' AND order_id = ''`); err != nil {
		t.Fatal(err)
	}
	if open != kept-1 {
		t.Errorf("%d orders still to place, want the %d left for their window", open, kept-1)
	}
}

// keptOrders records n reminders sent at sentAt to hnFirma about the
// letter shipmentID, keys prefix-1 … prefix-n, each with its Altinn
// Notifications order kept and still to be placed, and returns their ids.
func keptOrders(t *testing.T, st *store.Store, prefix, shipmentID string, n int, sentAt time.Time) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range n {
		key := fmt.Sprintf("%s-%d", prefix, i+1)
		if err := st.DB().Get(&ids[i], `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, sent_at, updated_at)
			VALUES ($1, $2, 'sent', $3, $3, $3, $3) RETURNING id`, key, hnFirma, sentAt); err != nil {
			t.Fatal(err)
		}
		req, err := remind.OrderRequest(ids[i], key, hnFirma, "", &remind.Message{Subject: "s", Body: "b"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE notifications SET order_request = $2 WHERE id = $1`, ids[i], string(req)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, $3)`,
			ids[i], shipmentID, i+1); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}
