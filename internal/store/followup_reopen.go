package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"postvakt/internal/model"

	"github.com/jmoiron/sqlx"
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
		if err := closeByDecision(ctx, tx, id, from, decision, actor, at); err != nil {
			return "", err
		}
		return "; escalation closed (stage " + string(from) + ")", nil
	default:
		if err := reopenByDecision(ctx, tx, id, to, at); err != nil {
			return "", err
		}
		return "; escalation reopened (stage " + string(to) + ")", nil
	}
}

// reopenByDecision undoes closeByDecision for the letter id, in the
// caller's transaction: stage to, looked at by the next escalation run;
// for print_due a print order the close skipped is decided again (its
// address looked up now: nothing of it was sent); for manual the handling
// item the close resolved as not needed is open again.
func reopenByDecision(ctx context.Context, tx *sqlx.Tx, id string, to model.Stage, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE shipments SET stage = $2, next_step_at = `+sqlLookAtOnce+`
		WHERE id = $1 AND stage = `+sqlStage(model.StageClosed), id, to); err != nil {
		return fmt.Errorf("reopen the escalation of %s: %w", id, err)
	}
	switch to {
	case model.StagePrintDue:
		if _, err := tx.ExecContext(ctx, `UPDATE print_orders SET state = 'lookup', batch_id = NULL, due_at = $2, updated_at = $2
			WHERE shipment_id = $1 AND state = `+sqlList([]string{PrintStateSkipped}), id, at); err != nil {
			return fmt.Errorf("reopen the print order of %s: %w", id, err)
		}
	case model.StageManual:
		if _, err := tx.ExecContext(ctx, `UPDATE print_manual SET resolved_at = NULL, resolved_by = '', resolution = '', note = ''
			WHERE shipment_id = $1 AND resolution = `+sqlList([]string{ManualNotNeeded})+` AND note LIKE 'follow-up: %'`, id); err != nil {
			return fmt.Errorf("reopen the manual handling of %s: %w", id, err)
		}
	}
	return nil
}
