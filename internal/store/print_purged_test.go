package store_test

import (
	"context"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter whose personal data the retention purge took gets no print
// order (there is nothing to print): one already due for print goes to
// manual handling saying so (store.ReasonPurged, its text from the
// catalogue), one not yet due is left as it is, and an unpurged letter
// beside them gets its order. The lost-hand-off path (PrintDueWithoutOrder
// then CreatePrintOrders) does the same, and does not find it again.
func TestPurgedLetterGetsNoPrintOrder(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 4)
	keep, due, notDue, lost := ids[0], ids[1], ids[2], ids[3]
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
	storetest.Set(t, st, []string{keep, due, lost}, storetest.Stage(model.StagePrintDue))
	storetest.Set(t, st, []string{notDue}, storetest.Stage(model.StageReminded))
	if p, err := st.PurgeShipments(ctx, []string{due, notDue, lost}, printT0, "system:retention"); err != nil || p.Shipments != 3 {
		t.Fatalf("purge: %+v %v", p, err)
	}

	created, err := st.CreatePrintOrders(ctx, []string{keep, due, notDue}, "taushetsbelagt", false, printT0)
	if err != nil || len(created) != 1 || created[0] != keep {
		t.Fatalf("print orders made for %v (%v), want only the unpurged letter %s", created, err, keep)
	}
	orphans, err := st.PrintDueWithoutOrder(ctx, "", 100)
	if err != nil || len(orphans) != 1 || orphans[0].ID != lost {
		t.Fatalf("print-due letters without an order: %+v %v, want the purged one whose hand-off was lost", orphans, err)
	}
	if created, err := st.CreatePrintOrders(ctx, []string{lost}, "taushetsbelagt", false, printT0); err != nil || len(created) != 0 {
		t.Fatalf("print orders made for the lost hand-off %v (%v), want none", created, err)
	}
	if orphans, err := st.PrintDueWithoutOrder(ctx, "", 100); err != nil || len(orphans) != 0 {
		t.Errorf("print-due letters without an order after: %+v %v, want none", orphans, err)
	}

	var orders int
	if err := st.DB().Get(&orders, `SELECT count(*) FROM print_orders WHERE shipment_id = ANY($1::uuid[])`,
		"{"+due+","+notDue+","+lost+"}"); err != nil || orders != 0 {
		t.Errorf("%d print orders (%v) for purged letters, want none", orders, err)
	}
	stages := map[string]model.Stage{}
	for _, id := range []string{due, notDue, lost} {
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		stages[id] = sh.Stage
	}
	if stages[due] != model.StageManual || stages[lost] != model.StageManual || stages[notDue] != model.StageReminded {
		t.Errorf("stages %v; want the due ones in manual handling, the other reminded", stages)
	}
	items, err := st.ManualQueue(ctx, store.Scope{}, 10)
	if err != nil || len(items) != 2 {
		t.Fatalf("manual queue: %+v %v, want the two purged letters that were due", items, err)
	}
	for _, it := range items {
		if it.Reason != store.ReasonPurged || len(it.Why) != 1 || it.Why[0].Key != "manual.detail.purged" {
			t.Errorf("manual item %+v, want reason %q and the catalogue's manual.detail.purged", it, store.ReasonPurged)
		}
	}
}
