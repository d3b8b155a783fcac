-- +goose Up

-- The escalation stage gets the CHECK every other enumerated column has.
-- The list is internal/model/stage.go's table (a test compares the two).
ALTER TABLE shipments ADD CONSTRAINT shipments_stage_check CHECK (stage IN (
    'none', 'reminded', 'print_due', 'print_held', 'print_rejected', 'print_ordered',
    'printed', 'print_cancelled', 'manual', 'channel_print', 'closed'));

-- The list rollups keep one row per stage instead of a rank computed with
-- its own CASE (which knew 7 of the 11 stages): the reader ranks the stages
-- with the fragment internal/store builds from the stage table.
DROP MATERIALIZED VIEW unopened_by_recipient;
DROP MATERIALIZED VIEW unopened_by_unit;
CREATE MATERIALIZED VIEW unopened_by_recipient AS
    SELECT u.sender_org_id, s.recipient_id, s.stage, count(*) AS n, min(s.sent_at) AS oldest,
        max(s.reminders_sent) AS max_reminders, max(s.last_reminded_at) AS last_reminder
    FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id
    WHERE s.confidential AND s.state IN ('registered', 'accepted', 'available')
    GROUP BY u.sender_org_id, s.recipient_id, s.stage
    WITH NO DATA;
CREATE UNIQUE INDEX unopened_by_recipient_key ON unopened_by_recipient (sender_org_id, recipient_id, stage);
CREATE MATERIALIZED VIEW unopened_by_unit AS
    SELECT s.sender_unit_id, s.stage, count(*) AS n, min(s.sent_at) AS oldest,
        max(s.reminders_sent) AS max_reminders, max(s.last_reminded_at) AS last_reminder
    FROM shipments s
    WHERE s.confidential AND s.state IN ('registered', 'accepted', 'available')
    GROUP BY s.sender_unit_id, s.stage
    WITH NO DATA;
CREATE UNIQUE INDEX unopened_by_unit_key ON unopened_by_unit (sender_unit_id, stage);
UPDATE list_rollups SET refreshed_at = NULL;

-- +goose Down
DROP MATERIALIZED VIEW unopened_by_unit;
DROP MATERIALIZED VIEW unopened_by_recipient;
CREATE MATERIALIZED VIEW unopened_by_recipient AS
    SELECT u.sender_org_id, s.recipient_id, count(*) AS n, min(s.sent_at) AS oldest,
        max(CASE s.stage WHEN 'reminded' THEN 1 WHEN 'print_due' THEN 2 WHEN 'print_ordered' THEN 3
            WHEN 'printed' THEN 4 WHEN 'manual' THEN 5 WHEN 'closed' THEN 6 ELSE 0 END) AS stage_rank,
        max(s.reminders_sent) AS max_reminders, max(s.last_reminded_at) AS last_reminder
    FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id
    WHERE s.confidential AND s.state IN ('registered', 'accepted', 'available')
    GROUP BY u.sender_org_id, s.recipient_id
    WITH NO DATA;
CREATE UNIQUE INDEX unopened_by_recipient_key ON unopened_by_recipient (sender_org_id, recipient_id);
CREATE INDEX unopened_by_recipient_n ON unopened_by_recipient (n DESC, oldest, recipient_id);
CREATE MATERIALIZED VIEW unopened_by_unit AS
    SELECT s.sender_unit_id, count(*) AS n, min(s.sent_at) AS oldest,
        max(CASE s.stage WHEN 'reminded' THEN 1 WHEN 'print_due' THEN 2 WHEN 'print_ordered' THEN 3
            WHEN 'printed' THEN 4 WHEN 'manual' THEN 5 WHEN 'closed' THEN 6 ELSE 0 END) AS stage_rank,
        max(s.reminders_sent) AS max_reminders, max(s.last_reminded_at) AS last_reminder
    FROM shipments s
    WHERE s.confidential AND s.state IN ('registered', 'accepted', 'available')
    GROUP BY s.sender_unit_id
    WITH NO DATA;
CREATE UNIQUE INDEX unopened_by_unit_key ON unopened_by_unit (sender_unit_id);
ALTER TABLE shipments DROP CONSTRAINT shipments_stage_check;
