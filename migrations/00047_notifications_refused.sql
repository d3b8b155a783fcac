-- +goose Up

-- The Altinn Notifications orders Altinn refused for good, as
-- store.refusedWhere lists them (refused, the reminder not superseded):
-- the operations page counts them at every view (store.StuckCounts), and
-- /refused and postvakt notifications list read them newest first. Few
-- rows: the index is small. Its build reads the reminders once, in the
-- migration's transaction: about 0.4 s per 1,000,000 reminders, which
-- writes of reminders wait (they are written a few per escalation run).
CREATE INDEX notifications_refused ON notifications (order_refused_at, id)
    WHERE order_refused_at IS NOT NULL AND status <> 'superseded';

-- +goose Down
DROP INDEX notifications_refused;
