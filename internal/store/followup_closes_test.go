package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A follow-up decision that ends a letter's case (sent again, a new letter,
// closed) closes its escalation in the same transaction, for one letter and
// for an incident's letters at once: stage closed, a print held for approval
// skipped (its batch's release leaves it out). An assessment of consequences
// does not, and neither does any decision once the print is ordered.
func TestDecisionEndingTheCaseClosesEscalation(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 5)
	printDecide(t, st, ids[:3], "barnevern", true, printT0) // held for approval
	printDecide(t, st, ids[4:], "taushetsbelagt", false, printT0)
	setState(t, st, ids[3], model.StateAvailable, model.StageReminded)
	at := printT0.Add(time.Hour)

	if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[0], Decision: store.DecisionClosed,
		Actor: "user:kari", At: at, Deadline: at}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[3], Decision: store.DecisionAssessed,
		Actor: "user:kari", At: at, Deadline: at}); err != nil {
		t.Fatal(err)
	}
	// The rest at once (the decided two are left alone).
	n, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: store.DecisionNewLetter,
		Deadline: at, Actor: "user:ola", At: at})
	if err != nil || n != 3 {
		t.Fatalf("incident follow-ups: %d %v, want 3", n, err)
	}
	want := []model.Stage{model.StageClosed, model.StageClosed, model.StageClosed, model.StageReminded, model.StagePrintOrdered}
	for i, id := range ids {
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.Stage != want[i] {
			t.Errorf("letter %d: stage %s, want %s", i, sh.Stage, want[i])
		}
	}
	l, err := st.PrintList(ctx)
	if err != nil || len(l.Batches) != 1 {
		t.Fatalf("batches %+v %v", l, err)
	}
	if n, err := st.ReleasePrintBatch(ctx, l.Batches[0].ID, "Kari", at); err != nil || n != 0 {
		t.Errorf("released %d prints of closed letters (%v)", n, err)
	}
	items, err := st.ClaimPrintOutbox(ctx, at, 10, time.Minute)
	if err != nil || len(items) != 1 || items[0].ShipmentID != ids[4] {
		t.Errorf("outbox %+v %v: only the print ordered before the decision", items, err)
	}
	evs, err := st.Events(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Kind != store.EventFollowUp || fmt.Sprint(last.Message) != "follow-up: new_letter (incident); escalation closed (stage print_held)" {
		t.Errorf("last event %s %q", last.Kind, last.Message)
	}
}

// A letter in manual handling (no usable address) whose case the unit
// ends (a new letter, closed) leaves the compliance officer's
// manual-handling queue: its item is resolved as not needed in the same
// transaction, for one letter and for an incident's letters.
func TestDecisionClosingAManualLetterLeavesNoOpenManualItem(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 2)
	if _, err := st.CreatePrintOrders(ctx, ids, "taushetsbelagt", false, printT0); err != nil {
		t.Fatal(err)
	}
	ls, err := st.ClaimPrintLookups(ctx, ids, printT0, 2, time.Minute)
	if err != nil || len(ls) != 2 {
		t.Fatalf("claim %d %v", len(ls), err)
	}
	for _, l := range ls {
		if _, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: l.ShipmentID, Outcome: store.ResolveManual,
			At: printT0, Reason: "no_address", Detail: "no address"}); err != nil {
			t.Fatal(err)
		}
	}
	at := printT0.Add(time.Hour)
	if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[0], Decision: store.DecisionNewLetter,
		Actor: "user:kari", At: at, Deadline: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: store.DecisionClosed, Deadline: at,
		Actor: "user:ola", At: at}); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("letter %d: stage %s", i, sh.Stage)
		if sh.Stage != model.StageClosed {
			t.Fatalf("letter %d stage %s: the premise (decision closes a manual letter) no longer holds", i, sh.Stage)
		}
	}
	q, err := st.ManualQueue(ctx, store.Scope{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 0 {
		t.Errorf("%d letters closed by the unit's decision are still open in the manual-handling queue (stage closed, print_manual unresolved)", len(q))
	}
}
