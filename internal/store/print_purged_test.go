package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
	if p, err := st.PurgeShipments(ctx, storetest.Due(due, notDue, lost), printT0, "system:retention"); err != nil || p.Shipments != 3 {
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

// placePrints decides, sends and places (provider state received) the print
// orders of the letters ids at printT0.
func placePrints(t *testing.T, st *store.Store, ids []string) {
	t.Helper()
	ctx := context.Background()
	printDecide(t, st, ids, "taushetsbelagt", false, printT0)
	items, err := st.ClaimPrintOutbox(ctx, printT0, len(ids), time.Minute)
	if err != nil || len(items) != len(ids) {
		t.Fatalf("claim outbox: %d %v", len(items), err)
	}
	for _, it := range items {
		if err := st.FinishPrintSend(ctx, store.PrintSendResult{ShipmentID: it.ShipmentID, Outcome: store.SendOrdered, At: printT0,
			OrderID: "o-" + it.ShipmentID, State: store.PrintStateReceived, NextPollAt: printT0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
}

// A letter purged once its print order was placed (the purge keeps only a
// letter whose order is not placed yet) is still polled; when the order
// then ends unprinted — cancelled at the provider, or failed — there is
// nothing left to print by hand and nobody left to name: no
// manual-handling item, no print_manual event, no escalation case; the
// letter's stage says the order ended (print_cancelled). An unpurged
// letter beside it still goes to manual handling, and a purged letter's
// order that prints is recorded as printed.
func TestPurgedLetterWhosePlacedOrderEndsUnprintedOpensNoManualItem(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 4)
	cancelled, failed, printed, kept := ids[0], ids[1], ids[2], ids[3]
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
	placePrints(t, st, ids)
	if p, err := st.PurgeShipments(ctx, storetest.Due(ids[:3]...), printT0.Add(time.Minute), "system:retention"); err != nil || p.Shipments != 3 {
		t.Fatalf("purge: %+v %v, want the three letters purged (their orders are placed)", p, err)
	}
	at := printT0.Add(2 * time.Hour)
	for id, state := range map[string]string{cancelled: store.PrintStateCancelled, failed: store.PrintStateFailed,
		printed: store.PrintStatePrinted, kept: store.PrintStateFailed} {
		if err := st.ApplyPrintStatus(ctx, store.PrintStatusUpdate{ShipmentID: id, At: at, State: state, FailureReason: "jammed",
			NextPollAt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	items, err := st.ManualQueue(ctx, store.Scope{}, 10)
	if err != nil || len(items) != 1 || items[0].ShipmentID != kept {
		t.Errorf("manual queue %+v %v, want only the unpurged letter whose print failed", items, err)
	}
	var manual int
	if err := st.DB().Get(&manual, `SELECT count(*) FROM print_manual WHERE shipment_id = ANY($1::uuid[])`,
		"{"+cancelled+","+failed+","+printed+"}"); err != nil || manual != 0 {
		t.Errorf("%d manual-handling items (%v) for purged letters, want none", manual, err)
	}
	want := map[string]model.Stage{cancelled: model.StagePrintCancelled, failed: model.StagePrintCancelled, printed: model.StagePrinted,
		kept: model.StageManual}
	for id, w := range want {
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.Stage != w {
			t.Errorf("stage %s, want %s", sh.Stage, w)
		}
		if id != kept {
			for _, ev := range sh.Events {
				if ev.Kind == store.EventPrintManual {
					t.Errorf("purged letter's event %s %q, want none of manual handling", ev.Kind, ev.Message)
				}
			}
		}
	}
	cases, err := st.EscalationCases(ctx, printT0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.ShipmentID != kept {
			t.Errorf("escalation case %s %s for a purged letter, want none", c.Case, c.ShipmentID)
		}
	}
}

// A letter purged once its print order was placed keeps nothing personal
// again when the status poll then hears from the provider: of a failure,
// a print or a cancel it keeps the fact (the order's state, an event with
// the state and its time), not the provider's failure reason (in the
// order or the event's message) nor its raw answer (the event's data),
// which may name the recipient and their address; nor the raw answer of a
// poll that failed. An unpurged letter beside it keeps both, as before.
func TestPurgedLetterKeepsOnlyThePrintStatusFact(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 5)
	failed, printed, cancelled, erred, kept := ids[0], ids[1], ids[2], ids[3], ids[4]
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
	placePrints(t, st, ids)
	if p, err := st.PurgeShipments(ctx, storetest.Due(ids[:4]...), printT0.Add(time.Minute), "system:retention"); err != nil || p.Shipments != 4 {
		t.Fatalf("purge: %+v %v, want the four letters purged (their orders are placed)", p, err)
	}
	const reason = "returned: Kari Nordmann moved from Storgata 1"
	answer := []byte(`{"state":"failed","recipientName":"Kari Nordmann","address":{"lines":["Storgata 1"]},"failureReason":"` + reason + `"}`)
	at := printT0.Add(2 * time.Hour)
	for _, u := range []store.PrintStatusUpdate{
		{ShipmentID: failed, State: store.PrintStateFailed, FailureReason: reason},
		{ShipmentID: printed, State: store.PrintStatePrinted},
		{ShipmentID: cancelled, State: store.PrintStateCancelled, Cancel: store.CancelDone},
		{ShipmentID: erred, Error: "print provider get: HTTP 502", RetryAt: at.Add(time.Hour)},
		{ShipmentID: kept, State: store.PrintStateFailed, FailureReason: reason},
	} {
		u.At, u.Payload, u.NextPollAt = at, answer, at.Add(time.Hour)
		if err := st.ApplyPrintStatus(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		var order struct {
			State  string `db:"state"`
			Reason string `db:"failure_reason"`
		}
		if err := st.DB().Get(&order, `SELECT state, failure_reason FROM print_orders WHERE shipment_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		evs, err := st.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		personal, facts := 0, 0
		for _, ev := range evs {
			if strings.Contains(ev.Message+string(ev.Payload), "Nordmann") {
				personal++
			}
			if ev.ObservedAt.Equal(at) && ev.Kind != store.EventPrintError && ev.RawStatus != "" {
				facts++
			}
		}
		switch id {
		case kept:
			if order.Reason != reason || personal == 0 {
				t.Errorf("unpurged letter: failure reason %q, %d events with the answer; want the provider's reason and answer kept",
					order.Reason, personal)
			}
		case erred:
			if personal != 0 || len(evs) != 1 {
				t.Errorf("purged letter whose poll failed: %d of its %d events with the answer; want one event, without it", personal, len(evs))
			}
		default:
			if order.Reason != "" || personal != 0 || facts == 0 {
				t.Errorf("purged letter (order %s): failure reason %q, %d events with the answer, %d with the state at its time; "+
					"want no reason, no answer, the state's event", order.State, order.Reason, personal, facts)
			}
		}
	}
}

// A status poll that fails for a letter purged once its order was placed
// keeps only the class of the failure ("status poll failed: HTTP 503") in
// the order's last_error and the print_error event's message: our own
// error text quotes the provider's plain-text answer, which may name the
// recipient. An unpurged letter beside it keeps the whole text, as before.
func TestPurgedLetterKeepsOnlyTheClassOfAFailedPoll(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 2)
	purged, kept := ids[0], ids[1]
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
	placePrints(t, st, ids)
	if p, err := st.PurgeShipments(ctx, storetest.Due(purged), printT0.Add(time.Minute), "system:retention"); err != nil || p.Shipments != 1 {
		t.Fatalf("purge: %+v %v, want the letter purged (its order is placed)", p, err)
	}
	const text = `print-provider GET /v1/orders/o-1: HTTP 503: "order for Kari Nordmann, Storgata 1, on hold"`
	at := printT0.Add(2 * time.Hour)
	for _, id := range ids {
		if err := st.ApplyPrintStatus(ctx, store.PrintStatusUpdate{ShipmentID: id, At: at, Error: text, ErrorClass: "HTTP 503",
			RetryAt: at.Add(time.Hour), NextPollAt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]string{purged: "status poll failed: HTTP 503", kept: text} {
		lastError, messages := storetest.PrintError(t, st, id)
		if lastError != want || len(messages) != 1 || !strings.HasSuffix(messages[0], ": "+want) {
			t.Errorf("purged=%t: last_error %q, print_error events %q; want %q in both", id == purged, lastError, messages, want)
		}
	}
}

// A court asks when a letter went to paper long after the retention purge
// removed its evidence: the export (EachShipmentFacts) still says when the
// print provider accepted the order (print_placed_at), kept with the
// order (placed_at, written with the order's id), beside when it was
// ordered and the order's state. An order an older binary placed (no
// placed_at) is read from the evidence, and the purge copies it to the
// order before it removes the evidence. Before, the export read the
// placing from the evidence alone, and lost it at the purge.
func TestPurgedLetterKeepsWhenItsPrintWasPlaced(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 3)
	purged, older, kept := ids[0], ids[1], ids[2]
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
	placePrints(t, st, ids)
	st.DB().MustExec(`UPDATE print_orders SET placed_at = NULL WHERE shipment_id = $1`, older)
	check := func(when string) {
		t.Helper()
		seen := 0
		err := st.EachShipmentFacts(ctx, store.ListFilter{List: store.ListAll}, func(r *store.ListRow, _ *store.OpenShipment) error {
			seen++
			if r.PrintPlacedAt == nil || !r.PrintPlacedAt.Equal(printT0) || r.PrintOrderedAt == nil || r.PrintState != store.PrintStateReceived {
				t.Errorf("%s, letter %s (purged %t, placed by an older binary %t): print placed %v, ordered %v, state %q; want placed at %v",
					when, r.ID, r.ID != kept, r.ID == older, r.PrintPlacedAt, r.PrintOrderedAt, r.PrintState, printT0)
			}
			return nil
		})
		if err != nil || seen != len(ids) {
			t.Fatalf("%s: streamed %d of the %d letters: %v", when, seen, len(ids), err)
		}
	}
	check("before the purge")
	if p, err := st.PurgeShipments(ctx, storetest.Due(purged, older), printT0.Add(time.Minute), "system:retention"); err != nil ||
		p.Shipments != 2 || p.Events == 0 {
		t.Fatalf("purge: %+v %v, want the two letters purged with their evidence", p, err)
	}
	check("after the purge")
	// The kept letter's order has placed_at as FinishPrintSend wrote it.
	for _, id := range ids {
		var order struct {
			OrderID  string     `db:"order_id"`
			PlacedAt *time.Time `db:"placed_at"`
		}
		if err := st.DB().Get(&order, `SELECT order_id, placed_at FROM print_orders WHERE shipment_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if order.OrderID != "o-"+id || order.PlacedAt == nil || !order.PlacedAt.Equal(printT0) {
			t.Errorf("print order of %s (purged %t): %+v; want the provider's id and when it placed the order", id, id != kept, order)
		}
	}
}
