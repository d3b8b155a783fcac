package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// channelEnded settles what the channel's word, written by the same
// transaction, made needless for the letters ids (opened, or printed or
// closed by the channel): their manual-handling cases
// (resolveManualByChannel), the prints not yet ordered of those opened
// (skipPrintByOpening) and their follow-ups (closeFollowUpsByOpening).
func channelEnded(ctx context.Context, tx *sqlx.Tx, channel string, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := resolveManualByChannel(ctx, tx, channel, ids, at); err != nil {
		return err
	}
	if err := skipPrintByOpening(ctx, tx, channel, ids, at); err != nil {
		return err
	}
	return closeFollowUpsByOpening(ctx, tx, channel, ids, at)
}

// skipPrintByOpening calls off the print of the letters ids now opened
// whose print is due (print_due: no order yet, or its address lookup to
// come), held for approval (print_held), or released from its batch and
// its address lookup to come (print_ordered, nothing sent yet, as long as
// the register does not answer): their print decision, if any,
// is skipped, as its lookup or the batch's release would skip it
// (skipPrint), and their stage becomes print_cancelled at once. Left in
// print_due or print_held, an opened letter was listed and counted as
// waiting for print until its batch was decided (for ever without a
// provider, and then taken for a lost hand-off), or among those ordered
// until the register answered. The evidence says so,
// with the channel as its source. A print already in the outbox
// (print_ordered) is skipped or cancelled by the print job as before.
func skipPrintByOpening(ctx context.Context, tx *sqlx.Tx, channel string, ids []string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `WITH o AS (
			SELECT s.id, s.stage FROM shipments s
			WHERE `+anyKey("s.id", 1, "uuid")+` AND s.state = `+sqlState(model.StateOpened)+`
				AND (s.stage IN (`+sqlStage(model.StagePrintDue)+`, `+sqlStage(model.StagePrintHeld)+`)
					OR s.stage = `+sqlStage(model.StagePrintOrdered)+` AND EXISTS (SELECT 1 FROM print_orders p
						WHERE p.shipment_id = s.id AND p.state = `+sqlList([]string{PrintStateLookup})+`))),
		moved AS (
			UPDATE shipments s SET stage = `+sqlStage(model.StagePrintCancelled)+`
			FROM o WHERE s.id = o.id
			RETURNING s.id, o.stage AS from_stage),
		skipped AS (
			UPDATE print_orders p SET state = `+sqlList([]string{PrintStateSkipped})+`, due_at = NULL, updated_at = $2
			FROM moved WHERE p.shipment_id = moved.id AND p.state IN (`+sqlList([]string{PrintStateLookup, PrintStateHeld})+`))
		INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message)
		SELECT moved.id, $4, $3, $2, 'no print: the shipment is ' || $5 || ' (stage ' || moved.from_stage || ')' FROM moved`,
		pq.Array(ids), at, channel, EventPrintSkipped, string(model.StateOpened))
	if err != nil {
		return fmt.Errorf("call off the print of %d letters opened (%s first): %w", len(ids), ids[0], err)
	}
	return nil
}

// closeFollowUpsByOpening closes, decision closed, the follow-ups without
// a decision of the letters ids now opened: a letter unread for weeks, or
// one that failed or expired, that its reader then opened needs nothing
// more. Left open, it was mailed as overdue to the unit and its manager
// and listed in the compliance digest every morning, and nobody could
// decide it (a decision on an opened letter is refused). The evidence says
// so, with the channel as its source.
func closeFollowUpsByOpening(ctx context.Context, tx *sqlx.Tx, channel string, ids []string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `WITH c AS (
			UPDATE followups f SET decision = `+sqlList([]string{DecisionClosed})+`, note = 'the recipient opened the letter',
				decided_by = $3, decided_at = $2
			FROM shipments s
			WHERE f.shipment_id = s.id AND `+anyKey("s.id", 1, "uuid")+` AND f.decision IS NULL AND s.state = `+sqlState(model.StateOpened)+`
			RETURNING f.shipment_id)
		INSERT INTO shipment_events (shipment_id, kind, source, observed_at, from_state, to_state, message)
		SELECT c.shipment_id, $4, $3, $2, $5, $5, 'follow-up: ' || $6 FROM c`,
		pq.Array(ids), at, channel, EventFollowUp, string(model.StateOpened), DecisionClosed)
	if err != nil {
		return fmt.Errorf("close the follow-ups of %d letters opened (%s first): %w", len(ids), ids[0], err)
	}
	return nil
}

// resolveManualByChannel resolves the open manual-handling cases of the
// letters ids that the channel's word, written by the same transaction,
// made needless: the recipient opened the letter (not needed: stage
// closed), or the channel printed or closed it itself (its stage already
// moved: a manual stage may end so, model's stage table). Nobody is asked
// any more to print by hand a letter the channel printed or its reader
// read. The evidence log says so, with the channel as its source.
func resolveManualByChannel(ctx context.Context, tx *sqlx.Tx, channel string, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `WITH r AS (
			UPDATE print_manual m SET resolved_at = $2, resolved_by = $3,
				resolution = CASE WHEN s.stage IN (`+sqlStage(model.StageChannelPrint)+`, `+sqlStage(model.StageRecipientSystem)+`) THEN `+sqlList([]string{ManualDeliveredOtherwise})+`
					ELSE `+sqlList([]string{ManualNotNeeded})+` END,
				note = CASE WHEN s.stage = `+sqlStage(model.StageChannelPrint)+` THEN 'the channel printed and posted the letter itself'
					WHEN s.stage = `+sqlStage(model.StageRecipientSystem)+` THEN 'the channel delivered the letter into the recipient''s own system'
					WHEN s.stage = `+sqlStage(model.StageClosed)+` THEN 'the letter was closed on the channel'
					ELSE 'the recipient opened the letter' END
			FROM shipments s
			WHERE m.shipment_id = s.id AND `+anyKey("s.id", 1, "uuid")+` AND m.resolved_at IS NULL
				AND (s.state = `+sqlState(model.StateOpened)+` OR s.stage IN (`+sqlEnded+`))
			RETURNING m.shipment_id, m.resolution, m.note),
		st AS (
			UPDATE shipments s SET stage = `+sqlStage(model.StageClosed)+`
			FROM r WHERE s.id = r.shipment_id AND s.stage = `+sqlStage(model.StageManual)+`)
		INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, message)
		SELECT r.shipment_id, $4, $3, $2, r.resolution, 'manual handling resolved: ' || r.resolution || ': ' || r.note FROM r`,
		pq.Array(ids), at, channel, EventManualResolved)
	if err != nil {
		return fmt.Errorf("resolve the manual handling of %d letters the channel ended (%s first): %w", len(ids), ids[0], err)
	}
	return nil
}
