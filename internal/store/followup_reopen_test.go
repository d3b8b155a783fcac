package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// remindedHeldManual registers four letters for the follow-up tests: the
// first reminded, the second's print held for approval, the third's print
// in manual handling (no address), the fourth as registered, for the test
// to put where it needs it.
func remindedHeldManual(t *testing.T, st *store.Store) []string {
	t.Helper()
	ids := printShipments(t, st, 4)
	setState(t, st, ids[0], model.StateAvailable, model.StageReminded)
	printDecide(t, st, []string{ids[1]}, "barnevern", true, printT0)
	printToManual(t, st, ids[2])
	return ids
}

// followUp records user:kari's follow-up decision (with note) on the letter
// id at at, due at at.
func followUp(t *testing.T, st *store.Store, id, decision, note string, at time.Time) {
	t.Helper()
	if err := st.RecordFollowUp(context.Background(), store.FollowUpDecision{ShipmentID: id, Decision: decision, Note: note,
		Actor: "user:kari", At: at, Deadline: at}); err != nil {
		t.Fatal(err)
	}
}

// A unit that closes a letter's case and then records "consequences
// assessed" instead gets the escalation that decision implies: it goes on.
// A reminded letter is reminded again (the next run looks at it at once);
// a print held for approval is decided again and joins the open batch; a
// manual-handling item is open again. A close replaced by another decision
// that ends the case (new letter) keeps it closed, and the assessment after
// that still reopens from where the first close stopped it; so does one
// after an incident's close. The evidence says so.
func TestAssessmentReplacingACloseReopensTheEscalation(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := remindedHeldManual(t, st)
	reminded, held, manual, incident := ids[0], ids[1], ids[2], ids[3]
	setState(t, st, incident, model.StateAvailable, model.StageReminded)
	decide := func(id, decision string, at time.Time) {
		t.Helper()
		followUp(t, st, id, decision, "n", at)
	}
	stage := func(id string) model.Stage {
		t.Helper()
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		return sh.Stage
	}
	at := printT0.Add(time.Hour)
	for _, id := range []string{reminded, held, manual} {
		decide(id, store.DecisionClosed, at)
	}
	if _, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: store.DecisionClosed, Deadline: at,
		Actor: "user:ola", At: at}); err != nil {
		t.Fatal(err)
	}
	decide(reminded, store.DecisionNewLetter, at.Add(time.Minute))
	for _, id := range ids {
		if s := stage(id); s != model.StageClosed {
			t.Fatalf("stage %s after the close: the premise (a close closes) no longer holds", s)
		}
	}

	later := at.Add(time.Hour)
	for _, id := range ids {
		decide(id, store.DecisionAssessed, later)
	}
	want := map[string]model.Stage{reminded: model.StageReminded, held: model.StagePrintDue, manual: model.StageManual,
		incident: model.StageReminded}
	for id, w := range want {
		if s := stage(id); s != w {
			t.Errorf("after consequences assessed: stage %s, want %s (the escalation resumes)", s, w)
		}
	}
	var lookAt time.Time
	if err := st.DB().Get(&lookAt, `SELECT next_step_at FROM shipments WHERE id = $1`, reminded); err != nil {
		t.Fatal(err)
	}
	if lookAt.After(later) {
		t.Errorf("next step at %s: the next escalation run must look at the reopened letter", lookAt)
	}
	// The held print is decided again: its address looked up, then held
	// in the policy's open batch, whose release orders it.
	ls, err := st.ClaimPrintLookups(ctx, []string{held}, later, 1, time.Minute)
	if err != nil || len(ls) != 1 {
		t.Fatalf("print lookups after the reopen: %d %v, want the held letter's", len(ls), err)
	}
	if got, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: held, Outcome: store.ResolveOrder, At: later,
		Request: []byte(`{"documentRef":"x"}`)}); err != nil || got != store.PrintStateHeld {
		t.Fatalf("resolve print: %q %v, want held", got, err)
	}
	l, err := st.PrintList(ctx)
	if err != nil || len(l.Batches) != 1 {
		t.Fatalf("batches %+v %v", l, err)
	}
	if n, err := st.ReleasePrintBatch(ctx, l.Batches[0].ID, "Kari", later); err != nil || n.Decided != 1 {
		t.Errorf("released %d prints (%v), want the reopened letter's", n, err)
	}
	q, err := st.ManualQueue(ctx, store.Scope{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].ShipmentID != manual {
		t.Errorf("manual queue %+v, want the reopened letter", q)
	}
	evs, err := st.Events(ctx, reminded)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Message != "follow-up: consequences_assessed; escalation reopened (stage reminded)" {
		t.Errorf("last event %q", last.Message)
	}
	// Closed again: closed again, from where it now is.
	decide(reminded, store.DecisionClosed, later.Add(time.Minute))
	if s := stage(reminded); s != model.StageClosed {
		t.Errorf("closed again: stage %s", s)
	}
}

// The same for an incident's letters at once: "consequences assessed"
// recorded for all of them (replacing the decisions) reopens what an
// earlier decision closed, held print and manual handling included, and
// leaves alone a letter that no decision closed.
func TestIncidentAssessmentReplacingACloseReopensTheEscalation(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := remindedHeldManual(t, st)
	reminded, held, manual, ordered := ids[0], ids[1], ids[2], ids[3]
	printDecide(t, st, []string{ordered}, "taushetsbelagt", false, printT0)
	at := printT0.Add(time.Hour)
	for _, d := range []string{store.DecisionClosed, store.DecisionAssessed} {
		if n, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: d, Note: "n", Replace: true,
			Deadline: at, Actor: "user:ola", At: at}); err != nil || n != 4 {
			t.Fatalf("incident %s: %d %v, want 4", d, n, err)
		}
		at = at.Add(time.Hour)
	}
	want := map[string]model.Stage{reminded: model.StageReminded, held: model.StagePrintDue, manual: model.StageManual,
		ordered: model.StagePrintOrdered}
	for id, w := range want {
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.Stage != w {
			t.Errorf("after the incident's consequences assessed: stage %s, want %s", sh.Stage, w)
		}
	}
	if ls, err := st.ClaimPrintLookups(ctx, []string{held}, at, 1, time.Minute); err != nil || len(ls) != 1 {
		t.Errorf("print lookups after the reopen: %d %v, want the held letter's", len(ls), err)
	}
	if q, err := st.ManualQueue(ctx, store.Scope{}, 100); err != nil || len(q) != 1 || q[0].ShipmentID != manual {
		t.Errorf("manual queue %+v %v, want the reopened letter", q, err)
	}
	evs, err := st.Events(ctx, held)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Message != "follow-up: consequences_assessed (incident); escalation reopened (stage print_due)" {
		t.Errorf("last event %q", last.Message)
	}
	// Closed again from where it now is.
	if _, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: store.DecisionClosed, Replace: true,
		Deadline: at, Actor: "user:ola", At: at}); err != nil {
		t.Fatal(err)
	}
	if sh, err := st.Shipment(ctx, reminded, store.Scope{}); err != nil || sh.Stage != model.StageClosed {
		t.Errorf("closed again: %v %v", sh.Stage, err)
	}
}

// A reopen's side effects have one place (reopenByDecision), which the
// single letter's decision and an incident's batch both call with their
// letters: over several letters at once, each reopens to its own stage with
// its own side effects — a held print decided again (address looked up
// now, out of its batch), a manual-handling item open again, a reminded
// letter looked at by the next run — and a letter that is not closed (any
// more) is left as it is.
func TestReopenByDecisionReopensEachLetterOfAList(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := remindedHeldManual(t, st)
	reminded, held, manual, open := ids[0], ids[1], ids[2], ids[3]
	setState(t, st, open, model.StateAvailable, model.StageReminded)
	at := printT0.Add(time.Hour)
	for _, id := range []string{reminded, held, manual} {
		followUp(t, st, id, store.DecisionClosed, "", at)
	}
	later := at.Add(time.Hour)
	if err := st.ReopenByDecision(ctx, []string{reminded, held, manual, open},
		[]model.Stage{model.StageReminded, model.StagePrintDue, model.StageManual, model.StagePrintDue}, later); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID      string      `db:"id"`
		Stage   model.Stage `db:"stage"`
		AtOnce  bool        `db:"at_once"`
		Order   string      `db:"order_state"`
		InBatch bool        `db:"in_batch"`
		Manual  bool        `db:"manual_open"`
	}
	if err := st.DB().Select(&rows, `SELECT s.id, s.stage, s.next_step_at <= $2 AS at_once, COALESCE(p.state, '') AS order_state,
			p.batch_id IS NOT NULL AS in_batch, m.shipment_id IS NOT NULL AND m.resolved_at IS NULL AS manual_open
		FROM shipments s LEFT JOIN print_orders p ON p.shipment_id = s.id LEFT JOIN print_manual m ON m.shipment_id = s.id
		WHERE s.id = ANY($1::uuid[])`, "{"+reminded+","+held+","+manual+","+open+"}", later); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch r.ID {
		case reminded:
			if r.Stage != model.StageReminded || !r.AtOnce {
				t.Errorf("reminded letter: stage %s, looked at at once %v; want reminded, at once", r.Stage, r.AtOnce)
			}
		case held:
			if r.Stage != model.StagePrintDue || r.Order != store.PrintStateLookup || r.InBatch {
				t.Errorf("held letter: stage %s, order %q in a batch %v; want print_due, its order looked up again, in no batch",
					r.Stage, r.Order, r.InBatch)
			}
		case manual:
			if r.Stage != model.StageManual || !r.Manual {
				t.Errorf("manual letter: stage %s, item open %v; want manual, open again", r.Stage, r.Manual)
			}
		case open:
			if r.Stage != model.StageReminded {
				t.Errorf("letter not closed: stage %s; want it left reminded", r.Stage)
			}
		}
	}
	if len(rows) != 4 {
		t.Errorf("%d letters read, want 4", len(rows))
	}
}
