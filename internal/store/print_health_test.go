package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestPrintProviderFacts: the open print orders the provider has given no
// useful answer about since a bound: a failed poll begins a run of them
// (unanswered_since), kept while it fails and while it answers 404 not
// counted (the provider knew none of the orders); an answer that knows the
// order, or a 404 counted toward its loss, ends it; a run left behind by an
// older binary (poll_failures 0 after an answer) begins again at the next
// failure; a final order is not counted.
func TestPrintProviderFacts(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	ids := printShipments(t, st, 5)
	placePrints(t, st, ids)
	h := func(n int) time.Time { return printT0.Add(time.Duration(n) * time.Hour) }
	known := func(i, at int) store.PrintStatusUpdate {
		return store.PrintStatusUpdate{ShipmentID: ids[i], At: h(at), State: store.PrintStateReceived, NextPollAt: h(at + 1)}
	}
	failed := func(i, at int) store.PrintStatusUpdate {
		return store.PrintStatusUpdate{ShipmentID: ids[i], At: h(at), Error: "HTTP 503", ErrorClass: "HTTP 503", RetryAt: h(at + 1)}
	}
	untrusted := func(i, at int) store.PrintStatusUpdate {
		u := failed(i, at)
		u.Error, u.NotFoundUntrusted = "HTTP 404; not counted", true
		return u
	}
	counted := func(i, at int) store.PrintStatusUpdate {
		u := failed(i, at)
		u.Error, u.NotFound = "HTTP 404", true
		return u
	}
	posted := known(4, 3)
	posted.State = store.PrintStatePosted
	for _, u := range []store.PrintStatusUpdate{
		known(0, 1),
		failed(1, 1), failed(1, 2), failed(1, 5),
		untrusted(2, 1), untrusted(2, 3),
		counted(3, 1), failed(3, 2), counted(3, 4), known(3, 5),
		failed(4, 1), posted,
	} {
		if err := st.ApplyPrintStatus(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// An older binary knew order 0 and left a run behind it.
	if _, err := st.DB().Exec(`UPDATE print_orders SET unanswered_since = $2 WHERE shipment_id = $1`, ids[0], h(-240)); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyPrintStatus(ctx, failed(0, 4)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bound      time.Time
		unanswered int
		since      time.Time
	}{
		{h(0), 0, time.Time{}},
		{h(1), 2, h(1)}, // orders 1 and 2: failing, and 404s not counted
		{h(3), 2, h(1)}, // order 3's failure at 2 ended by a counted 404 (and it is known at 5)
		{h(4), 3, h(1)}, // order 0's run begins at 4, not 240 hours before
	} {
		f, err := st.PrintProviderFacts(ctx, tc.bound, h(-1))
		if err != nil {
			t.Fatal(err)
		}
		if f.Unprinted != 0 {
			t.Errorf("bound %s: %d unprinted; none was placed before h(-1)", tc.bound, f.Unprinted)
		}
		if f.Open != 4 || f.Unanswered != tc.unanswered || (f.Since == nil) != tc.since.IsZero() ||
			(f.Since != nil && !f.Since.Equal(tc.since)) || f.Answered == nil || !f.Answered.Equal(h(5)) {
			t.Errorf("bound %s: %d open, %d unanswered since %v, last answered %v; want 4 open, %d unanswered since %s, last answered %s",
				tc.bound, f.Open, f.Unanswered, f.Since, f.Answered, tc.unanswered, tc.since, h(5))
		}
	}
	// Orders accepted at printT0 that the provider still says are not
	// printed (0 to 3 received; 4 posted): lost inside it, or forgotten.
	f, err := st.PrintProviderFacts(ctx, h(0), h(120))
	if err != nil {
		t.Fatal(err)
	}
	if f.Unprinted != 4 || f.UnprintedSince == nil || !f.UnprintedSince.Equal(printT0) {
		t.Errorf("five days on: %d unprinted since %v; want 4 since %s", f.Unprinted, f.UnprintedSince, printT0)
	}
}

// TestPrintProviderFactsUnplaced: orders whose create the provider has not
// placed since a bound (their sends failed: 5xx, timeouts, answers that
// cannot be read, each retried) are counted beside the placed ones, from
// when they were queued; an order queued but never tried yet (the print job
// not run) is not the provider's silence, and a placed order leaves the
// count.
func TestPrintProviderFactsUnplaced(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	ids := printShipments(t, st, 4)
	printDecide(t, st, ids[:3], "taushetsbelagt", false, printT0)
	h := func(n int) time.Time { return printT0.Add(time.Duration(n) * time.Hour) }
	items, err := st.ClaimPrintOutbox(ctx, h(1), 2, time.Minute)
	if err != nil || len(items) != 2 {
		t.Fatalf("claim outbox: %d %v", len(items), err)
	}
	for _, it := range items {
		if err := st.FinishPrintSend(ctx, store.PrintSendResult{ShipmentID: it.ShipmentID, Outcome: store.SendRetry, At: h(1),
			Error: "print provider: HTTP 503", RetryAt: h(2)}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(bound time.Time, unplaced int, since time.Time) {
		t.Helper()
		f, err := st.PrintProviderFacts(ctx, bound, h(-1))
		if err != nil {
			t.Fatal(err)
		}
		if f.Unplaced != unplaced || (f.UnplacedSince == nil) != since.IsZero() || (f.UnplacedSince != nil && !f.UnplacedSince.Equal(since)) {
			t.Errorf("bound %s: %d unplaced since %v; want %d since %s", bound, f.Unplaced, f.UnplacedSince, unplaced, since)
		}
	}
	check(h(-1), 0, time.Time{}) // queued after the bound
	check(h(6), 2, printT0)      // two tried and failed; the third never tried
	again, err := st.ClaimPrintOutbox(ctx, h(7), 3, time.Minute)
	if err != nil || len(again) != 3 {
		t.Fatalf("claim outbox again: %d %v", len(again), err)
	}
	if err := st.FinishPrintSend(ctx, store.PrintSendResult{ShipmentID: items[0].ShipmentID, Outcome: store.SendOrdered, At: h(7),
		OrderID: "o-1", State: store.PrintStateReceived, NextPollAt: h(8)}); err != nil {
		t.Fatal(err)
	}
	check(h(6), 1, printT0) // one placed at last; one still failing (the third claimed, not answered yet)
}
