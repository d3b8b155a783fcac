-- +goose Up

-- Why an alert fires, for people in their language: the rule's reasons as
-- catalogue keys (mail.alert.why.*) with their numbers. summary keeps the
-- English sentence (the webhook's, and the alerts of before).
ALTER TABLE health_alerts ADD COLUMN why jsonb;

-- +goose Down
ALTER TABLE health_alerts DROP COLUMN why;
