package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

func TestFollowUps(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := seedLists(t, st)
	storetest.SetUnitManager(t, st, "NAV", "leder@nav.example")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	// Rejected (1), failed (2), and unopened confidential sent before Oct 6 (3, 4).
	n, err := st.OpenFollowUps(ctx, time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC), now.AddDate(0, 0, 10))
	if err != nil || n != 4 {
		t.Fatalf("opened %d follow-ups, %v; want 4", n, err)
	}
	if n, _ := st.OpenFollowUps(ctx, time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC), now); n != 0 {
		t.Fatalf("second run opened %d, want 0", n)
	}
	open, err := st.FollowUps(ctx, store.Scope{}, false, 100)
	if err != nil || len(open) != 4 {
		t.Fatalf("open follow-ups = %d, %v", len(open), err)
	}
	nav, _ := st.FollowUps(ctx, store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, false, 100)
	if len(nav) != 2 {
		t.Fatalf("NAV sees %d follow-ups, want 2", len(nav))
	}

	// A resend registers the new shipment first, then records the decision.
	ns := sample(100)
	ns.SenderUnit = "NAV"
	resent, _, err := st.Register(ctx, []model.NewShipment{ns}, store.SourceUser, "user:ola")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		d    store.FollowUpDecision
		ok   bool
	}{
		{"unknown decision", store.FollowUpDecision{ShipmentID: got[1].ID, Decision: "shrug"}, false},
		{"resend without shipment", store.FollowUpDecision{ShipmentID: got[1].ID, Decision: store.DecisionResent}, false},
		{"resend", store.FollowUpDecision{ShipmentID: got[1].ID, Decision: store.DecisionResent, NewShipmentID: resent[0].ID}, true},
		{"assessed, creating the follow-up", store.FollowUpDecision{ShipmentID: got[6].ID, Decision: store.DecisionAssessed, Note: "klagefrist passert", MissedDeadline: true, Deadline: now}, true},
		{"no such shipment", store.FollowUpDecision{ShipmentID: "0190a000-0000-7000-8000-000000000000", Decision: store.DecisionClosed}, false},
	} {
		tc.d.Actor, tc.d.At = "user:ola", now
		if tc.d.Deadline.IsZero() {
			tc.d.Deadline = now
		}
		if err := st.RecordFollowUp(ctx, tc.d); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	fu, err := st.FollowUp(ctx, got[1].ID, store.Scope{})
	if err != nil || fu.Decision == nil || *fu.Decision != store.DecisionResent || fu.NewShipmentID == nil || *fu.NewShipmentID != resent[0].ID {
		t.Fatalf("follow-up = %+v, %v", fu, err)
	}
	if _, err := st.FollowUp(ctx, got[1].ID, store.Scope{SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another unit's follow-up: %v", err)
	}
	// The resend knows the letter it was sent for, in the scope that sees
	// that letter's follow-up; no other letter was resent for anything.
	for _, tc := range []struct {
		name, id string
		scope    store.Scope
		want     string
	}{
		{"the resend", resent[0].ID, store.Scope{}, got[1].ID},
		{"the resend, by its unit", resent[0].ID, store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, got[1].ID},
		{"the resend, by another unit", resent[0].ID, store.Scope{SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}, ""},
		{"the original", got[1].ID, store.Scope{}, ""},
		{"not an id", "x", store.Scope{}, ""},
	} {
		if from, err := st.ResentFrom(ctx, tc.id, tc.scope); err != nil || from != tc.want {
			t.Errorf("ResentFrom, %s: %q %v, want %q", tc.name, from, err, tc.want)
		}
	}
	sh, _ := st.Shipment(ctx, got[6].ID, store.Scope{})
	last := sh.Events[len(sh.Events)-1]
	if last.Kind != store.EventFollowUp || last.Source != store.SourceUser || last.Actor != "user:ola" {
		t.Fatalf("follow-up event = %+v", last)
	}

	overdue, err := st.OverdueFollowUps(ctx, now.AddDate(0, 0, 11))
	if err != nil {
		t.Fatal(err)
	}
	// Open and past deadline: got[2] (Barnevern), got[3] (NAV), got[4] (Barnevern).
	if len(overdue) != 2 {
		t.Fatalf("overdue groups = %+v", overdue)
	}
	for _, g := range overdue {
		switch g.Unit {
		case "NAV":
			if g.ManagerEmail != "leder@nav.example" || len(g.FollowUps) != 1 {
				t.Errorf("NAV overdue = %+v", g)
			}
		case "Barnevernstjenesten":
			if len(g.FollowUps) != 2 {
				t.Errorf("Barnevern overdue = %+v", g)
			}
		default:
			t.Errorf("unexpected unit %q", g.Unit)
		}
	}
}

// TestNoFollowUpOfAPurgedLetter: a decision on a letter the retention
// purge took (read before the purge, recorded after) is refused with
// ErrPurged, nothing recorded: its evidence is gone.
func TestNoFollowUpOfAPurgedLetter(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got, _, err := st.Register(ctx, []model.NewShipment{sample(1)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if _, err := st.PurgeShipments(ctx, storetest.Due(got[0].ID), now, "system:retention"); err != nil {
		t.Fatal(err)
	}
	err = st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: got[0].ID, Decision: store.DecisionClosed,
		Actor: "user:ola", At: now, Deadline: now})
	if !errors.Is(err, store.ErrPurged) {
		t.Errorf("follow-up of a purged letter: %v, want ErrPurged", err)
	}
	if _, err := st.FollowUp(ctx, got[0].ID, store.Scope{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a follow-up was recorded for the purged letter (err %v)", err)
	}
}

// TestNoFollowUpOpenedForAPurgedLetter: the follow-ups that open by
// themselves (failed, rejected, expired, and confidential letters unread
// for POSTVAKT_FOLLOWUP_UNREAD_DAYS, which may be longer than the
// retention) leave out a letter the retention purge took: no decision on
// it can be recorded (ErrPurged), so its follow-up stayed open, and overdue
// in the unit's notices, for ever.
func TestNoFollowUpOpenedForAPurgedLetter(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2032, 11, 23, 12, 0, 0, 0, time.UTC)
	st, purged, kept := purgedAndKept(t, now)
	if n, err := st.OpenFollowUps(ctx, now.AddDate(-6, 0, 0), now.AddDate(0, 0, 14)); err != nil || n != 1 {
		t.Errorf("follow-ups opened: %d %v, want 1 (the letter kept)", n, err)
	}
	if _, err := st.FollowUp(ctx, purged, store.Scope{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a follow-up was opened for the purged letter (err %v)", err)
	}
	if _, err := st.FollowUp(ctx, kept, store.Scope{}); err != nil {
		t.Errorf("the kept letter's follow-up: %v", err)
	}
}

// TestNoIncidentFollowUpOfAPurgedLetter: an incident's follow-ups (one
// decision, with its note, for every letter of the report's period) leave
// out a letter the retention purge took, as a decision on that letter
// alone is refused (ErrPurged): an incident chosen over years recorded the
// note on purged letters, whose follow-ups no purge clears again.
func TestNoIncidentFollowUpOfAPurgedLetter(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	st, purged, kept := purgedAndKept(t, now)
	n, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: store.DecisionAssessed, Note: "NOTAT OM KARI NORDMANN",
		Deadline: now.AddDate(0, 0, 14), Actor: "user:ola", At: now})
	if err != nil || n != 1 {
		t.Errorf("incident follow-ups: %d %v, want 1 (the letter kept)", n, err)
	}
	if _, err := st.FollowUp(ctx, purged, store.Scope{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a follow-up was recorded for the purged letter (err %v)", err)
	}
	if evs, err := st.Events(ctx, purged); err != nil || len(evs) != 0 {
		t.Errorf("the purged letter's evidence: %d events %v, want none", len(evs), err)
	}
	if f, err := st.FollowUp(ctx, kept, store.Scope{}); err != nil || f.Note != "NOTAT OM KARI NORDMANN" {
		t.Errorf("the kept letter's follow-up: %+v %v", f, err)
	}
}

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

	followUp(t, st, ids[0], store.DecisionClosed, "", at)
	followUp(t, st, ids[3], store.DecisionAssessed, "", at)
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
	if n, err := st.ReleasePrintBatch(ctx, l.Batches[0].ID, "Kari", at); err != nil || n.Decided != 0 {
		t.Errorf("released %d prints of closed letters (%v)", n.Decided, err)
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
	followUp(t, st, ids[0], store.DecisionNewLetter, "", at)
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

// A close's side effects have one place (closeByDecision), which the single
// letter's decision and an incident's batch both call with their letters:
// over several letters at once, each still in the stage it was decided in
// closes with its own side effects — a held print skipped (out of its
// batch's release), a manual-handling item resolved as not needed by the
// actor with the decision in its note, a reminded letter just closed — and
// a letter in a stage no decision closes (print ordered), or no longer in
// the stage it was decided in, is left as it is.
func TestCloseByDecisionClosesEachLetterOfAList(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 5)
	reminded, held, manual, ordered, moved := ids[0], ids[1], ids[2], ids[3], ids[4]
	setState(t, st, reminded, model.StateAvailable, model.StageReminded)
	setState(t, st, moved, model.StateAvailable, model.StageNone)
	printDecide(t, st, []string{held}, "barnevern", true, printT0)
	printDecide(t, st, []string{ordered}, "taushetsbelagt", false, printT0)
	printToManual(t, st, manual)
	at := printT0.Add(time.Hour)
	if err := st.CloseByDecision(ctx, []string{reminded, held, manual, ordered, moved},
		[]model.Stage{model.StageReminded, model.StagePrintHeld, model.StageManual, model.StagePrintOrdered, model.StageReminded},
		store.DecisionNewLetter, "user:kari", at); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID         string      `db:"id"`
		Stage      model.Stage `db:"stage"`
		Order      string      `db:"order_state"`
		OrderDue   bool        `db:"order_due"`
		Resolution string      `db:"resolution"`
		ResolvedBy string      `db:"resolved_by"`
		Note       string      `db:"note"`
		Resolved   bool        `db:"resolved"`
	}
	if err := st.DB().Select(&rows, `SELECT s.id, s.stage, COALESCE(p.state, '') AS order_state, p.due_at IS NOT NULL AS order_due,
			COALESCE(m.resolution, '') AS resolution, COALESCE(m.resolved_by, '') AS resolved_by, COALESCE(m.note, '') AS note,
			m.resolved_at IS NOT NULL AS resolved
		FROM shipments s LEFT JOIN print_orders p ON p.shipment_id = s.id LEFT JOIN print_manual m ON m.shipment_id = s.id
		WHERE s.id = ANY($1::uuid[])`, "{"+reminded+","+held+","+manual+","+ordered+","+moved+"}"); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch r.ID {
		case reminded:
			if r.Stage != model.StageClosed {
				t.Errorf("reminded letter: stage %s; want closed", r.Stage)
			}
		case held:
			if r.Stage != model.StageClosed || r.Order != store.PrintStateSkipped || r.OrderDue {
				t.Errorf("held letter: stage %s, order %q due %v; want closed, its order skipped and due never",
					r.Stage, r.Order, r.OrderDue)
			}
		case manual:
			if r.Stage != model.StageClosed || !r.Resolved || r.Resolution != store.ManualNotNeeded ||
				r.ResolvedBy != "user:kari" || r.Note != "follow-up: "+store.DecisionNewLetter {
				t.Errorf("manual letter: stage %s, item resolved %v as %q by %q, note %q; want closed, resolved as %q by user:kari, note %q",
					r.Stage, r.Resolved, r.Resolution, r.ResolvedBy, r.Note, store.ManualNotNeeded, "follow-up: "+store.DecisionNewLetter)
			}
		case ordered:
			if r.Stage != model.StagePrintOrdered || r.Order == store.PrintStateSkipped {
				t.Errorf("ordered letter: stage %s, order %q; want it left print_ordered, its order not skipped", r.Stage, r.Order)
			}
		case moved:
			if r.Stage != model.StageNone {
				t.Errorf("letter no longer in the stage decided in: stage %s; want it left as it is", r.Stage)
			}
		}
	}
	if len(rows) != 5 {
		t.Errorf("%d letters read, want 5", len(rows))
	}
}

// purgedAndKept registers two letters on a new store and purges the first
// as the retention purge at now does: the store, the purged letter's id
// and the kept one's.
func purgedAndKept(t *testing.T, now time.Time) (st *store.Store, purged, kept string) {
	t.Helper()
	st = newStore(t)
	got, _, err := st.Register(context.Background(), []model.NewShipment{sample(1), sample(2)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PurgeShipments(context.Background(), storetest.Due(got[0].ID), now, "system:retention"); err != nil {
		t.Fatal(err)
	}
	return st, got[0].ID, got[1].ID
}
