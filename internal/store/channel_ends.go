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
// (resolveManualByChannel) and the follow-ups of those opened
// (closeFollowUpsByOpening).
func channelEnded(ctx context.Context, tx *sqlx.Tx, channel string, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := resolveManualByChannel(ctx, tx, channel, ids, at); err != nil {
		return err
	}
	return closeFollowUpsByOpening(ctx, tx, channel, ids, at)
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
