package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// escalationAfter is the one rule for what recording a follow-up decision
// does to the letter's escalation: the escalation follows the decision in
// force, whatever was decided before. The letter is in stage stage; the
// decision in force closed its escalation from closedFrom ("" when it
// closed nothing). It returns the stage to move the letter to ("" keeps
// its stage) and the stage the follow-up keeps as closed (its closedFrom
// from now on).
//
//   - A decision that ends the case (resent, new letter, closed) closes an
//     escalation that a decision may close (model.Stage.ClosedByDecision),
//     and one that replaces another such decision keeps it closed.
//   - A decision that does not end it (consequences assessed) replacing
//     one that closed the escalation reopens it: reminders and print
//     resume as the policy says, from where the close stopped them. A
//     print held for approval was taken out of its batch: it is decided
//     again (print_due), so it joins the policy's open batch.
//   - Anything else leaves the stage as it is.
func escalationAfter(stage, closedFrom model.Stage, decision string) (to, closed model.Stage) {
	switch {
	case DecisionEnds(decision) && stage.ClosedByDecision():
		return model.StageClosed, stage
	case DecisionEnds(decision) && stage == model.StageClosed:
		return "", closedFrom
	case DecisionEnds(decision):
		return "", ""
	case stage == model.StageClosed && closedFrom == model.StagePrintHeld:
		return model.StagePrintDue, ""
	case stage == model.StageClosed && closedFrom.ClosedByDecision():
		return closedFrom, ""
	default:
		return "", ""
	}
}

// sqlClosedStage is the stage the follow-up decision in force of letter s
// closed, f its followups row: f.closed_stage, or, where that is NULL on
// a closed letter, what the decision's evidence event says ("escalation
// closed (stage X)" in the letter's last follow-up event). A replica older
// than migration 00035, which runs beside a newer one during a rolling
// upgrade (compatible_from 20), closes a letter without writing
// closed_stage; read as NULL, a later decision that does not end the case
// would leave that letter silenced for good. Migration 00035 filled the
// column from the same evidence for the letters closed before it.
func sqlClosedStage(f, s string) string {
	return `COALESCE(` + f + `.closed_stage, CASE WHEN ` + s + `.stage = ` + sqlStage(model.StageClosed) + ` THEN
		(SELECT substring(e.message FROM 'escalation closed \(stage ([a-z_]+)\)') FROM shipment_events e
		WHERE e.shipment_id = ` + s + `.id AND e.kind = '` + EventFollowUp + `' ORDER BY e.id DESC LIMIT 1) END)`
}

// sqlReopenTo is escalationAfter's reopening in SQL, for many letters at
// once (RecordIncidentFollowUps): the stage a letter closed from col
// reopens to under a decision that does not end the case (NULL: none).
func sqlReopenTo(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for _, from := range model.Stages() {
		if to, _ := escalationAfter(model.StageClosed, from, DecisionAssessed); to != "" {
			fmt.Fprintf(&b, " WHEN %s THEN %s", sqlStage(from), sqlStage(to))
		}
	}
	return b.String() + " END"
}

// applyEscalationAfter moves the letter id from stage from to stage to as
// escalationAfter decided, in the caller's transaction, and returns what
// the evidence event adds to its message ("" for no change).
func applyEscalationAfter(ctx context.Context, tx *sqlx.Tx, id string, from, to model.Stage, decision, actor string, at time.Time) (string, error) {
	switch {
	case to == "":
		return "", nil
	case to == model.StageClosed:
		if err := closeByDecision(ctx, tx, []closing{{id, from}}, decision, actor, at); err != nil {
			return "", err
		}
		return "; escalation closed (stage " + string(from) + ")", nil
	default:
		if err := reopenByDecision(ctx, tx, []reopening{{id, to}}, at); err != nil {
			return "", err
		}
		return "; escalation reopened (stage " + string(to) + ")", nil
	}
}

// reopening is a letter a follow-up decision reopens (escalationAfter),
// and the stage it reopens to.
type reopening struct {
	id string
	to model.Stage
}

// reopenByDecision undoes closeByDecision for the letters ls, in the
// caller's transaction, which holds them locked (FOR UPDATE): the one
// place of a reopen's side effects, for one letter (RecordFollowUp) and
// for an incident's batch (RecordIncidentFollowUps), in one statement. A
// letter still closed moves to its stage to, looked at by the next
// escalation run; for print_due a print order the close skipped is
// decided again (its address looked up now: nothing of it was sent); for
// manual the handling item the close resolved as not needed is open
// again. A letter no longer closed is left alone.
func reopenByDecision(ctx context.Context, tx *sqlx.Tx, ls []reopening, at time.Time) error {
	if len(ls) == 0 {
		return nil
	}
	ids, tos := make([]string, len(ls)), make([]string, len(ls))
	for i, l := range ls {
		ids[i], tos[i] = l.id, string(l.to)
	}
	if _, err := tx.ExecContext(ctx, `WITH r AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS r (id, to_stage)),
		moved AS (
			UPDATE shipments s SET stage = r.to_stage, next_step_at = `+sqlLookAtOnce+`
			FROM r WHERE s.id = r.id AND s.stage = `+sqlStage(model.StageClosed)+`
			RETURNING s.id, s.stage),
		relookup AS (
			UPDATE print_orders p SET state = 'lookup', batch_id = NULL, due_at = $3, updated_at = $3, lookup_failing_since = NULL
			FROM moved WHERE p.shipment_id = moved.id AND moved.stage = `+sqlStage(model.StagePrintDue)+`
				AND p.state = `+sqlList([]string{PrintStateSkipped})+`)
		UPDATE print_manual m SET resolved_at = NULL, resolved_by = '', resolution = '', note = ''
		FROM moved WHERE m.shipment_id = moved.id AND moved.stage = `+sqlStage(model.StageManual)+`
			AND m.resolution = `+sqlList([]string{ManualNotNeeded})+` AND m.note LIKE 'follow-up: %'`,
		pq.Array(ids), pq.Array(tos), at); err != nil {
		return fmt.Errorf("reopen the escalation of %d letters (%s first): %w", len(ls), ls[0].id, err)
	}
	return nil
}
