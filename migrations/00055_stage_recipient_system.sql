-- +goose Up

-- A Digital Post letter delivered into the recipient's own system ends its
-- escalation in a stage of its own, recipient_system (the list is
-- internal/model/stage.go's table; a test compares the two). NOT VALID:
-- every row meets the older, narrower list already, so the table is not
-- scanned under its lock.
ALTER TABLE shipments DROP CONSTRAINT shipments_stage_check;
ALTER TABLE shipments ADD CONSTRAINT shipments_stage_check CHECK (stage IN (
    'none', 'reminded', 'print_due', 'print_held', 'print_rejected', 'print_ordered',
    'printed', 'print_cancelled', 'manual', 'channel_print', 'closed', 'recipient_system')) NOT VALID;

-- +goose Down
UPDATE shipments SET stage = 'closed' WHERE stage = 'recipient_system';
ALTER TABLE shipments DROP CONSTRAINT shipments_stage_check;
ALTER TABLE shipments ADD CONSTRAINT shipments_stage_check CHECK (stage IN (
    'none', 'reminded', 'print_due', 'print_held', 'print_rejected', 'print_ordered',
    'printed', 'print_cancelled', 'manual', 'channel_print', 'closed'));
