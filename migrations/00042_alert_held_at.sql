-- +goose Up

-- When an alert's condition last held: the last evaluation that found it.
-- A firing alert whose condition is gone keeps firing until held_at is
-- the rule's keep_firing_for old (health.Diff), so a condition that comes
-- and goes between evaluations is one alert, not a new one (and a mail)
-- each time. The firing alerts of before: their last update, when an
-- evaluation last saw them. Nullable, so that an older binary, which
-- inserts alerts without it, goes on (compatible_from stays); health.Diff
-- reads NULL as the alert's last update.
ALTER TABLE health_alerts ADD COLUMN held_at timestamptz;
UPDATE health_alerts SET held_at = updated_at WHERE status = 'firing';

-- +goose Down
ALTER TABLE health_alerts DROP COLUMN held_at;
