package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// heldBatch returns the one held batch as the approval page lists it for
// scope.
func heldBatch(t *testing.T, st *store.Store, scope store.Scope) store.PrintBatch {
	t.Helper()
	bs, err := st.PrintBatches(context.Background(), scope, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.State == "held" {
			return b
		}
	}
	t.Fatalf("no held batch in %+v", bs)
	return store.PrintBatch{}
}

func releasedCount(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM print_orders WHERE state IN ('lookup', 'queued')`); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPrintBatchSeenIsCheckedUnderLock: a decision from the UI carries what
// the officer saw; a batch that changed meanwhile (a print joined it, or it
// holds a print outside the officer's scope) is left held, nothing queued.
func TestPrintBatchSeenIsCheckedUnderLock(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 4)
	kari := store.Scope{SenderOrg: "964338531"}
	printDecide(t, st, ids[:2], "barnevern", true, printT0)
	b := heldBatch(t, st, kari)
	if b.Shipments != 2 || b.InScope != 2 || b.Digest == "" {
		t.Fatalf("batch as listed: %+v", b)
	}
	seen := store.PrintBatchSeen{Scope: kari, Shipments: b.Shipments, Digest: b.Digest}

	// A third print joins after the page was shown: not released.
	printDecide(t, st, ids[2:3], "barnevern", true, printT0.Add(time.Minute))
	if _, err := st.ReleasePrintBatchSeen(ctx, b.ID, seen, "Kari", printT0); !errors.Is(err, store.ErrBatchChanged) {
		t.Fatalf("release of a grown batch: %v, want ErrBatchChanged", err)
	}
	if _, err := st.RejectPrintBatchSeen(ctx, b.ID, seen, "Kari", printT0); !errors.Is(err, store.ErrBatchChanged) {
		t.Fatalf("reject of a grown batch: %v, want ErrBatchChanged", err)
	}
	// The same count with another set is a change too.
	swapped := seen
	swapped.Shipments = 3
	if _, err := st.ReleasePrintBatchSeen(ctx, b.ID, swapped, "Kari", printT0); !errors.Is(err, store.ErrBatchChanged) {
		t.Fatalf("release with a stale digest: %v, want ErrBatchChanged", err)
	}
	if n := releasedCount(t, st); n != 0 || heldBatch(t, st, kari).ID != b.ID {
		t.Fatalf("a refused decision queued %d prints or decided the batch", n)
	}

	// A print of another sender organisation in the batch: an officer of
	// 964338531 may not decide it, even having seen it all.
	other := sample(6000)
	other.ChannelID, other.SenderOrg, other.SenderUnit = "print-other", "974760673", "NAV"
	got := storetest.Register(t, st, other)
	printDecide(t, st, []string{got[0].ID}, "barnevern", true, printT0.Add(2*time.Minute))
	// Batches are per sender organisation: the other organisation's print
	// waits in a batch of its own.
	theirs := heldBatch(t, st, store.Scope{SenderOrg: "974760673"})
	if theirs.ID == b.ID || theirs.Shipments != 1 || theirs.SenderOrg != "974760673" {
		t.Fatalf("the other organisation's print is not in a batch of its own: %+v", theirs)
	}
	// A batch made before batches were per organisation may still mix
	// them: move the print into b to make one.
	st.DB().MustExec(`UPDATE print_orders SET batch_id = $1 WHERE shipment_id = $2`, b.ID, got[0].ID)
	st.DB().MustExec(`DELETE FROM print_batches WHERE id = $1`, theirs.ID)
	all := heldBatch(t, st, store.Scope{})
	outside := store.PrintBatchSeen{Scope: kari, Shipments: all.Shipments, Digest: all.Digest}
	if _, err := st.ReleasePrintBatchSeen(ctx, b.ID, outside, "Kari", printT0); !errors.Is(err, store.ErrBatchChanged) {
		t.Fatalf("release with a print outside the scope: %v, want ErrBatchChanged", err)
	}
	if n := releasedCount(t, st); n != 0 {
		t.Fatalf("%d prints queued", n)
	}
	// A unit scope narrows further.
	unit := store.PrintBatchSeen{Scope: store.Scope{SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}, Shipments: all.Shipments, Digest: all.Digest}
	if _, err := st.ReleasePrintBatchSeen(ctx, b.ID, unit, "Kari", printT0); !errors.Is(err, store.ErrBatchChanged) {
		t.Fatalf("release by another unit: %v, want ErrBatchChanged", err)
	}

	// Unscoped, with the batch as it is: released, all four.
	now := store.PrintBatchSeen{Shipments: all.Shipments, Digest: all.Digest}
	if all.Shipments != 4 || all.InScope != 4 {
		t.Fatalf("batch as listed for an unscoped officer: %+v", all)
	}
	if d, err := st.ReleasePrintBatchSeen(ctx, b.ID, now, "Admin", printT0); err != nil || d.Decided != 4 {
		t.Fatalf("release as seen: %+v %v", d, err)
	}
	if _, err := st.ReleasePrintBatchSeen(ctx, b.ID, now, "Admin", printT0); !errors.Is(err, store.ErrBatchDecided) {
		t.Fatalf("second decision: %v", err)
	}
	if _, err := st.RejectPrintBatchSeen(ctx, 424242, now, "Admin", printT0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown batch: %v", err)
	}
	if n := releasedCount(t, st); n != 4 {
		t.Fatalf("%d prints released, want 4", n)
	}

	// A scoped officer decides a batch of their own, as seen.
	printDecide(t, st, ids[3:], "taushetsbelagt", true, printT0.Add(time.Hour))
	own := heldBatch(t, st, kari)
	if d, err := st.RejectPrintBatchSeen(ctx, own.ID, store.PrintBatchSeen{Scope: kari, Shipments: own.Shipments, Digest: own.Digest},
		"Kari", printT0.Add(time.Hour)); err != nil || d.Decided != 1 {
		t.Fatalf("scoped reject as seen: %+v %v", d, err)
	}
}
