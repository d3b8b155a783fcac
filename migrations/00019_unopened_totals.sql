-- +goose Up

-- The unopened list per receiving organisation, all sender organisations
-- together: what the overview's default summary shows. Since migration
-- 00009 the rollup unopened_by_recipient has a row per sender
-- organisation, organisation and stage, so the summary ranked, sorted and
-- counted every organisation per request (about 24 ms at 10,000
-- organisations). RefreshListSummaries fills this table from it with the
-- stage rank from the model's table (store/rollups.go); the page is read
-- by the index.
CREATE TABLE unopened_by_recipient_total (
    recipient_id  bigint PRIMARY KEY,
    n             bigint NOT NULL,
    oldest        timestamptz NOT NULL,
    stage_rank    integer NOT NULL,
    max_reminders integer NOT NULL,
    last_reminder timestamptz
);
CREATE INDEX unopened_by_recipient_total_page ON unopened_by_recipient_total (n DESC, oldest, recipient_id);
UPDATE list_rollups SET refreshed_at = NULL;

-- +goose Down
DROP TABLE unopened_by_recipient_total;
