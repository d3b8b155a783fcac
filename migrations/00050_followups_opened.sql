-- +goose Up

-- A follow-up without a decision whose letter was opened since: postvakt
-- now closes it when the channel says the letter was opened
-- (store.closeFollowUpsByOpening); those opened before were left open for
-- good (no decision may be recorded for an opened letter), mailed as
-- overdue and listed in the compliance digest. Closed here the same way,
-- with their evidence (source policy, the migration as the actor). Instant: the open
-- follow-ups are few.
WITH c AS (
    UPDATE followups f SET decision = 'closed', note = 'the recipient opened the letter',
        decided_by = 'migration', decided_at = now()
    FROM shipments s
    WHERE f.shipment_id = s.id AND f.decision IS NULL AND s.state = 'opened'
    RETURNING f.shipment_id)
INSERT INTO shipment_events (shipment_id, kind, source, actor, observed_at, from_state, to_state, message)
SELECT c.shipment_id, 'followup', 'policy', 'migration', now(), 'opened', 'opened', 'follow-up: closed' FROM c;

-- +goose Down
-- Nothing: the follow-ups closed stay closed, as their evidence says.
SELECT 1;
