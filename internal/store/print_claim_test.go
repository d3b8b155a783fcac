package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
)

// A sender whose lease ran out, and whose rows another sender claimed
// since, neither gives them back nor finishes them: the other claim's
// lease, attempt count and send stand.
func TestPrintOutboxStaleClaimTouchesNothing(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 2)
	printDecide(t, st, ids, "taushetsbelagt", false, printT0)
	a, err := st.ClaimPrintOutbox(ctx, printT0, 10, time.Minute)
	if err != nil || len(a) != 2 {
		t.Fatalf("claim A: %d %v", len(a), err)
	}
	b, err := st.ClaimPrintOutbox(ctx, printT0.Add(2*time.Minute), 10, time.Minute)
	if err != nil || len(b) != 2 || b[0].Attempts != 2 {
		t.Fatalf("claim B after A's lease: %+v %v", b, err)
	}
	if err := st.ReleasePrintOutbox(ctx, a, printT0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishPrintSend(ctx, store.PrintSendResult{ShipmentID: a[0].ShipmentID, Outcome: store.SendSkipped,
		At: printT0.Add(2 * time.Minute), Claim: a[0].Claim()}); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Attempts int       `db:"attempts"`
		Next     time.Time `db:"next_attempt_at"`
	}
	if err := st.DB().Select(&rows, `SELECT attempts, next_attempt_at FROM print_outbox ORDER BY shipment_id`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d outbox rows left; A's stale skip removed B's", len(rows))
	}
	for _, r := range rows {
		if r.Attempts != 2 || !r.Next.Equal(b[0].ClaimedUntil) {
			t.Errorf("row %+v; want B's claim (attempt 2, until %s) as it was", r, b[0].ClaimedUntil)
		}
	}
	if ev := printEvents(t, st, a[0].ShipmentID); len(ev) != 1 {
		t.Errorf("events %v; A's stale skip recorded", ev)
	}
	// B's own claim still releases and finishes.
	if err := st.ReleasePrintOutbox(ctx, b[1:], printT0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if again, err := st.ClaimPrintOutbox(ctx, printT0.Add(2*time.Minute), 10, time.Minute); err != nil || len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("B's released row: %+v %v; want it claimable at once, its attempt not counted", again, err)
	}
}
