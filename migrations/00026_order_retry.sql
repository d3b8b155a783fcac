-- +goose Up

-- An Altinn Notifications order that could not be placed waits before it is
-- tried again (model.RetryAfter, like a reminder's e-mail), so that orders
-- Altinn keeps refusing (a setting to fix) are not asked about at every run
-- and do not crowd out newer ones.
ALTER TABLE notifications ADD COLUMN order_next_at timestamptz;

-- +goose Down
ALTER TABLE notifications DROP COLUMN order_next_at;
