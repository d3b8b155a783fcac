package remind_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestRetryOrdersStopsWhenThrottled: Altinn answering 429 with a
// Retry-After is the service asking postvakt to slow down, not a refusal
// of one order. RetryOrders stops asking for the rest of its run (each
// further order would be one more request Altinn said not to make, and
// with a shorter Retry-After the HTTP client's waits before giving up,
// order after order, held the whole escalation run); the orders not
// asked are placed by a later run, without an attempt counted.
func TestRetryOrdersStopsWhenThrottled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	// Five sent reminders of the letter (still unopened), whose orders are
	// still to be placed.
	const kept = 5
	keptOrders(t, st, "throttled", g.Shipments[0].ShipmentID, kept, now.Add(-time.Hour))
	f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "10800")
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"title":"Too Many Requests","status":429}`))
		return true
	}
	placed, failed, err := r.RetryOrders(ctx, now, nil)
	if err != nil || placed != 0 || len(failed) != 1 {
		t.Fatalf("retry while throttled: placed %d, failed %d, %v; want the first tried and failed", placed, len(failed), err)
	}
	if n, _ := f.Posts(); n != 1 {
		t.Fatalf("%d orders posted after Altinn answered 429 with Retry-After 3h; want 1, the rest left for a later run", n)
	}
	var untried int
	if err := st.DB().Get(&untried, `SELECT count(*) FROM notifications WHERE key LIKE 'throttled-%' AND order_attempts = 0`); err != nil {
		t.Fatal(err)
	}
	if untried != kept-1 {
		t.Fatalf("%d orders without an attempt counted, want %d", untried, kept-1)
	}
	f.Fail = nil
	if placed, _, err := r.RetryOrders(ctx, now.Add(3*time.Hour), nil); err != nil || placed != kept {
		t.Fatalf("after the wait: placed %d, %v; want all %d", placed, err, kept)
	}
	if len(f.Orders()) != kept {
		t.Fatalf("%d orders, want %d", len(f.Orders()), kept)
	}
}

// TestCourierStopsOrderingWhenThrottled: a run's reminders to businesses
// without an e-mail address (each by its order alone) while Altinn answers
// 429 with a Retry-After: Altinn is asked once, not once per business;
// every reminder is failed as the first was (not placed, sent by a run
// after the wait) and none is lost.
func TestCourierStopsOrderingWhenThrottled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, r, orgs, gs := throttledByOrder(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	c := r.Courier()
	defer c.Close()
	for i, res := range c.Deliver(ctx, gs, now, false) {
		if res.Err != nil || res.Outcome.Status != remind.StatusFailed {
			t.Fatalf("%s: %+v %v, want failed", orgs[i], res.Outcome, res.Err)
		}
	}
	if n, _ := f.Posts(); n != 1 {
		t.Fatalf("%d orders posted in one run after Altinn answered 429 with Retry-After 3h; want 1", n)
	}
	f.Fail = nil
	c2 := r.Courier()
	defer c2.Close()
	for i, res := range c2.Deliver(ctx, gs, now.Add(3*time.Hour), false) {
		if res.Err != nil || res.Outcome.Status != remind.StatusSent {
			t.Fatalf("%s after the wait: %+v %v, want sent", orgs[i], res.Outcome, res.Err)
		}
	}
	if len(f.Orders()) != len(orgs) {
		t.Fatalf("%d orders, want %d", len(f.Orders()), len(orgs))
	}
}

// TestCourierThrottledAfterA503LeavesTheOthersFailed: Altinn answers the
// run's first order 503 (it may have taken it), then the HTTP client's
// retry 429 with a Retry-After of 3 h: that reminder's outcome is unknown
// (its order may have been placed). The reminders after it were never
// sent to Altinn (the courier's throttle answers them); they were failed
// as after a plain 429, not unknown: before, they took the first order's
// "an earlier attempt may have acted" for their own, each reminder
// unknown, "the order may have been placed", listed for a person to check
// in Altinn, for orders that never left postvakt.
func TestCourierThrottledAfterA503LeavesTheOthersFailed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, _, r, _ := byOrderWorld(t, 0, true)
	orgs := []string{hnFirma, "964338531", "910753614"}
	gs := altinnLetterTo(t, st, orgs)
	var calls int
	f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
		if calls++; calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		w.Header().Set("Retry-After", "10800")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	c := r.Courier()
	defer c.Close()
	want := []remind.Status{remind.StatusUnknown, remind.StatusFailed, remind.StatusFailed}
	for i, res := range c.Deliver(ctx, gs, now, false) {
		if res.Err != nil || res.Outcome.Status != want[i] {
			t.Errorf("%s: %s (%v, %v), want %s", orgs[i], res.Outcome.Status, res.Outcome.Err, res.Err, want[i])
		}
	}
	if n, _ := f.Posts(); n != 2 {
		t.Fatalf("%d orders posted, want 2 (the first's 503 and its retry's 429)", n)
	}
}

// throttledByOrder is a by-order world whose Altinn Notifications answers
// every order 429 with a Retry-After of three hours, with four businesses
// (orgs) reminded by their order alone (gs, in the order of orgs).
func throttledByOrder(t *testing.T) (*fakeAltinn, *remind.Reminder, []string, []remind.Group) {
	t.Helper()
	f, st, _, r, _ := byOrderWorld(t, 0, true)
	orgs := []string{hnFirma, "964338531", "910753614", "991825827"}
	gs := altinnLetterTo(t, st, orgs)
	f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "10800")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	return f, r, orgs, gs
}

// altinnLetterTo registers one Altinn letter to each of orgs and gives
// the reminder groups of a run: each organisation its letter's first
// reminder.
func altinnLetterTo(t *testing.T, st *store.Store, orgs []string) []remind.Group {
	t.Helper()
	var gs []remind.Group
	for i, org := range orgs {
		l := storetest.Letter(i)
		l.Channel, l.RecipientID = "altinn", org
		l.ChannelID = fmt.Sprintf("0b6c1f1e-8f5a-4b2e-9d1c-%012d", i)
		s := storetest.Register(t, st, l)[0]
		gs = append(gs, remind.Group{Org: org, Shipments: []remind.Shipment{{ShipmentID: s.ID, Channel: s.Channel,
			ChannelID: s.ChannelID, SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1}}})
	}
	return gs
}

// TestCouriersOfARunShareTheThrottle: a run's delivery workers
// (Reminder.Couriers) are one client of Altinn Notifications: after it
// answered one worker's order 429 with a Retry-After, the other workers
// of the run do not send it their next orders either (before, each worker
// kept its own throttle: up to one more request into the 429 per worker).
func TestCouriersOfARunShareTheThrottle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, r, _, gs := throttledByOrder(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	cs := r.Couriers(2)
	for _, c := range cs {
		defer c.Close()
	}
	for w, part := range [][]remind.Group{gs[:2], gs[2:]} {
		for i, res := range cs[w].Deliver(ctx, part, now, false) {
			if res.Err != nil || res.Outcome.Status != remind.StatusFailed {
				t.Fatalf("worker %d, %s: %+v %v, want failed", w, part[i].Org, res.Outcome, res.Err)
			}
		}
	}
	if n, _ := f.Posts(); n != 1 {
		t.Fatalf("%d orders posted by the run's two workers after Altinn answered 429 with Retry-After 3h; want 1", n)
	}
}

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
