package store_test

// Lock-order inversions between a person's follow-up decision and the print
// fallback's / manual queue's transactions on ONE letter. Each test drives
// the interleaving deterministically:
//
//  1. a helper transaction T0 holds the letter's followups row (FOR UPDATE);
//  2. the follow-up transaction (G1) is started: it locks the letter's
//     shipments row first and then blocks on T0 at its followups upsert;
//  3. the competing transaction (G2) is started: it locks its own row first
//     (print_orders via lockPrint, or print_manual) and then blocks on the
//     shipments row G1 holds;
//  4. T0 lets go: G1 goes on to write the row G2 holds. That is a cycle;
//     PostgreSQL aborts one of the two with 40P01 after deadlock_timeout.
//
// Every transaction that locks a letter's print_orders or print_manual row
// locks its shipments row first, so there is no cycle: both actions
// succeed, as they would in either serial order (a 40P01 would lose one
// of them: the web handler answers 500).

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// holdFollowUpRow makes (if need be) the letter's follow-up row and holds it
// in an open transaction, which the caller ends.
func holdFollowUpRow(t *testing.T, st *store.Store, id string) *sqlx.Tx {
	t.Helper()
	if _, err := st.DB().Exec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline)
		SELECT id, sender_unit_id, 'unread', now() FROM shipments WHERE id = $1 ON CONFLICT DO NOTHING`, id); err != nil {
		t.Fatal(err)
	}
	tx, err := st.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := tx.Get(&one, `SELECT 1 FROM followups WHERE shipment_id = $1 FOR UPDATE`, id); err != nil {
		t.Fatal(err)
	}
	return tx
}

// waitLockWait waits (bounded) until a backend of this test's database waits
// for a lock while running a statement containing pattern (patterns may be
// alternatives separated by "|").
func waitLockWait(t *testing.T, st *store.Store, pattern string) {
	t.Helper()
	var likes []string
	for _, p := range strings.Split(pattern, "|") {
		likes = append(likes, "%"+p+"%")
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := st.DB().Get(&n, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE ANY($1)`, pq.Array(likes)); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no backend came to wait for a lock in a statement with %q", pattern)
}

// lockPrintSQL is a piece of store.lockPrint's statement.
const lockPrintSQL = "s.state AS shipment_state, s.stage"

func isDeadlock(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "40P01"
}

func describe(err error) string {
	if err == nil {
		return "ok"
	}
	if isDeadlock(err) {
		return "DEADLOCK (40P01): " + err.Error()
	}
	return err.Error()
}

// race runs the interleaving described at the top of the file: follow (G1)
// blocks on T0 holding the shipments row, other (G2) then blocks on G1, and
// T0 lets go. It returns both errors.
func race(t *testing.T, st *store.Store, id string, follow func() error, followPattern string,
	other func() error, otherPattern string) (followErr, otherErr error) {
	t.Helper()
	t0 := holdFollowUpRow(t, st, id)
	g1 := make(chan error, 1)
	go func() { g1 <- follow() }()
	waitLockWait(t, st, followPattern) // G1 holds shipments(id), waits for T0
	g2 := make(chan error, 1)
	go func() { g2 <- other() }()
	waitLockWait(t, st, otherPattern) // G2 holds its row, waits for shipments(id)
	if err := t0.Rollback(); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for i := 0; i < 2; i++ {
		select {
		case followErr = <-g1:
			g1 = nil
		case otherErr = <-g2:
			g2 = nil
		case <-timeout:
			t.Fatal("the two transactions did not finish")
		}
	}
	return followErr, otherErr
}

// twoHeld is two letters whose prints wait in one approval batch, in id
// order, and the batch.
func twoHeld(t *testing.T) (*store.Store, []string, int64) {
	t.Helper()
	st := newStore(t)
	ids := printShipments(t, st, 2)
	printDecide(t, st, ids, "barnevern", true, printT0)
	if ids[1] < ids[0] {
		ids[0], ids[1] = ids[1], ids[0]
	}
	var batch int64
	if err := st.DB().Get(&batch, `SELECT batch_id FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	return st, ids, batch
}

// A unit closes the case of a letter whose print waits in an approval batch
// while a compliance officer releases that batch: RecordFollowUp and the
// release (lockPrint) both lock shipments before print_orders, so neither
// is aborted as a deadlock.
func TestRaceFollowUpCloseVersusBatchRelease(t *testing.T) {
	ctx := context.Background()
	st, ids, batch := twoHeld(t)
	at := printT0.Add(time.Hour)
	followErr, releaseErr := race(t, st, ids[0],
		func() error {
			return st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[0], Decision: store.DecisionClosed,
				Actor: "user:kari", At: at, Deadline: at})
		}, "INSERT INTO followups",
		func() error { _, err := st.ReleasePrintBatch(ctx, batch, "compliance:ola", at); return err },
		lockPrintSQL)
	t.Logf("RecordFollowUp: %s", describe(followErr))
	t.Logf("ReleasePrintBatch: %s", describe(releaseErr))
	if followErr != nil || releaseErr != nil {
		t.Errorf("a follow-up decision and a batch release on the same letter must both succeed; got follow-up: %s; release: %s",
			describe(followErr), describe(releaseErr))
	}
	// Whatever the order, the closed letter must not be printed.
	var state string
	if err := st.DB().Get(&state, `SELECT state FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if followErr == nil && state != store.PrintStateSkipped {
		t.Errorf("letter closed by its unit, yet its print is %s", state)
	}
}

// The same through the bulk path: an incident's follow-ups
// (RecordIncidentFollowUps, FOR UPDATE OF s, then print_orders) against a
// batch release.
func TestRaceIncidentFollowUpsVersusBatchRelease(t *testing.T) {
	ctx := context.Background()
	st, ids, batch := twoHeld(t)
	at := printT0.Add(time.Hour)
	followErr, releaseErr := race(t, st, ids[0],
		func() error {
			_, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: store.DecisionClosed,
				Deadline: at, Actor: "user:kari", At: at})
			return err
		}, "AS reopen_to", // early in the statement: pg_stat_activity keeps its first 1024 bytes
		func() error { _, err := st.ReleasePrintBatch(ctx, batch, "compliance:ola", at); return err },
		lockPrintSQL)
	t.Logf("RecordIncidentFollowUps: %s", describe(followErr))
	t.Logf("ReleasePrintBatch: %s", describe(releaseErr))
	if followErr != nil || releaseErr != nil {
		t.Errorf("incident follow-ups and a batch release must both succeed; got follow-ups: %s; release: %s",
			describe(followErr), describe(releaseErr))
	}
}

// A unit closes the case of a letter in manual handling while a compliance
// officer resolves its manual item on /manual: ResolveManual locks
// shipments before print_manual, as RecordFollowUp does.
func TestRaceFollowUpCloseVersusResolveManual(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := printShipments(t, st, 1)
	if _, err := st.CreatePrintOrders(ctx, ids, "taushetsbelagt", false, printT0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClaimPrintLookups(ctx, ids, printT0, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: ids[0], Outcome: store.ResolveManual, At: printT0,
		Reason: "bankrupt", Detail: "the organisation is bankrupt"}); err != nil || got != store.PrintStateManual {
		t.Fatalf("to manual: %q %v", got, err)
	}
	at := printT0.Add(time.Hour)
	followErr, resolveErr := race(t, st, ids[0],
		func() error {
			return st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[0], Decision: store.DecisionNewLetter,
				Actor: "user:kari", At: at, Deadline: at})
		}, "INSERT INTO followups",
		func() error {
			return st.ResolveManual(ctx, ids[0], store.Scope{}, store.ManualPrintedByHand, "posted by hand", "compliance:ola", at)
		}, "m.resolved_at|UPDATE shipments SET stage")
	t.Logf("RecordFollowUp: %s", describe(followErr))
	t.Logf("ResolveManual: %s", describe(resolveErr))
	// One of them legitimately loses the race without a deadlock:
	// ResolveManual finding the item resolved (ErrAlreadyResolved) is a
	// proper answer; a 40P01 is not.
	if isDeadlock(followErr) || isDeadlock(resolveErr) || followErr != nil ||
		(resolveErr != nil && !errors.Is(resolveErr, store.ErrAlreadyResolved)) {
		t.Errorf("follow-up and manual resolution on the same letter deadlocked: follow-up: %s; resolve: %s",
			describe(followErr), describe(resolveErr))
	}
	var stage model.Stage
	if err := st.DB().Get(&stage, `SELECT stage FROM shipments WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	t.Logf("final stage: %s", stage)
}

// A compliance officer rejects a held batch while a unit closes the case of
// one of its letters. decideBatch reads the batch's held prints in one
// statement and locks them one by one later; a print skipped by the closing
// follow-up in between stays skipped: no print_rejected event after the
// unit's decision, and the officer's count leaves it out.
func TestRaceRejectBatchOverwritesPrintSkippedByClosingFollowUp(t *testing.T) {
	ctx := context.Background()
	st, ids, batch := twoHeld(t)
	first, closed := ids[0], ids[1] // decideBatch takes them in id order
	at := printT0.Add(time.Hour)
	// T0 holds the first letter's row (say, a poll writing it): the reject
	// has read the batch's prints and waits at lockPrint(first).
	t0, err := st.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := t0.Exec(`SELECT 1 FROM shipments WHERE id = $1 FOR UPDATE`, first); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var n store.BatchDecision
	var rejErr error
	go func() {
		defer close(done)
		n, rejErr = st.RejectPrintBatch(ctx, batch, "compliance:ola", at)
	}()
	waitLockWait(t, st, lockPrintSQL)
	// Meanwhile the unit closes the other letter's case: committed.
	if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: closed, Decision: store.DecisionClosed,
		Actor: "user:kari", At: at, Deadline: at}); err != nil {
		t.Fatal(err)
	}
	if err := t0.Rollback(); err != nil {
		t.Fatal(err)
	}
	<-done
	if rejErr != nil {
		t.Fatal(rejErr)
	}
	var state string
	var stage model.Stage
	if err := st.DB().QueryRow(`SELECT p.state, s.stage FROM print_orders p JOIN shipments s ON s.id = p.shipment_id
		WHERE p.shipment_id = $1`, closed).Scan(&state, &stage); err != nil {
		t.Fatal(err)
	}
	evs := printEvents(t, st, closed)
	t.Logf("rejected %d; closed letter: print %s, stage %s, events %v", n.Decided, state, stage, evs)
	if state != store.PrintStateSkipped || n.Decided != 1 || n.Skipped != 1 {
		t.Errorf("the letter closed by its unit before the reject reached it: print order %s (want skipped), rejected count %+v (want 1, 1 skipped), events %v",
			state, n, evs)
	}
}

// A unit closes a reminded letter's case while a compliance officer records
// "consequences assessed" for an incident's letters, the letter among them.
// The incident's batch waits for the letter the close holds; once the close
// commits, the assessment, the decision in force, must see what the close
// stopped (closed_stage) and reopen the escalation there. Deciding on the
// follow-up as it was before the close (READ COMMITTED re-reads only the
// locked letter) left the letter closed for good with no record of the
// stage the close stopped.
func TestRaceIncidentAssessmentAfterAConcurrentClose(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	id := printShipments(t, st, 1)[0]
	setState(t, st, id, model.StateAvailable, model.StageReminded)
	at := printT0.Add(time.Hour)
	t0, err := st.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := t0.Get(&one, `SELECT 1 FROM shipments WHERE id = $1 FOR UPDATE`, id); err != nil {
		t.Fatal(err)
	}
	closeDone := make(chan error, 1)
	go func() {
		closeDone <- st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: id, Decision: store.DecisionClosed,
			Actor: "user:kari", At: at, Deadline: at})
	}()
	waitLockWait(t, st, "AS purged FROM shipments WHERE id = $1 FOR UPDATE") // the close waits for T0
	incidentDone := make(chan error, 1)
	go func() {
		_, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Decision: store.DecisionAssessed, Replace: true,
			Deadline: at, Actor: "user:ola", At: at.Add(time.Minute)})
		incidentDone <- err
	}()
	waitLockWait(t, st, "s.id AS locked|AS reopen_to") // the incident's batch waits behind the close
	if err := t0.Rollback(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []chan error{closeDone, incidentDone} {
		select {
		case err := <-ch:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the close and the incident's assessment did not finish")
		}
	}
	sh, err := st.Shipment(ctx, id, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var closed *string
	if err := st.DB().Get(&closed, `SELECT closed_stage FROM followups WHERE shipment_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if sh.Stage != model.StageReminded {
		t.Errorf("stage after the close and then the assessment: %s (closed_stage %v); want %s, reopened where the close stopped it",
			sh.Stage, closed, model.StageReminded)
	}
}
