-- +goose Up

-- When a feed channel's letter, registered after its entries went by,
-- asked for the log to be read again over its time because the log refused
-- its own look-up (feed_rereads.wanted_from, migration 00052): once a
-- re-read started after this has been read, a letter the log still
-- mentions nowhere is not known to it. Per letter, not read from its
-- failure count: a look-up that failed another way first (a 502) must
-- still ask. Nullable: an older binary neither sets nor reads it.
ALTER TABLE poll_queue ADD COLUMN reread_asked_at timestamptz;

-- +goose Down
ALTER TABLE poll_queue DROP COLUMN reread_asked_at;
