-- +goose Up

-- How far back a feed channel's next re-read must reach, asked for by
-- letters whose own look-up the log refused (a search field it does not
-- take): registered after their entries went by, they are found only by
-- reading the log again over their time. The next re-read starts at once,
-- from here if that is earlier than its usual reach, and clears it.
-- Nullable: an older binary neither sets nor reads it.
ALTER TABLE feed_rereads ADD COLUMN wanted_from timestamptz;

-- +goose Down
ALTER TABLE feed_rereads DROP COLUMN wanted_from;
