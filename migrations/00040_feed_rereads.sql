-- +goose Up

-- A feed channel's wide re-read (internal/poll, reread.go). Each cycle
-- reads the event log from its cursor minus the overlap; an entry that
-- shows in the log more than the overlap after its created time lies
-- before every later window and would never be read. Once a day
-- (POSTVAKT_DIGITALPOST_REREAD_EVERY) the log is read again reaching back
-- further (POSTVAKT_DIGITALPOST_REREAD), its entries de-duplicated by
-- their log id as every other read's. It never moves the cursor; its own
-- progress is kept here, with each page it writes, so a re-read stopped
-- midway (a crash, a deploy) goes on from where it stopped.
--   span_from, span_to: the running re-read's span of created times
--     (NULL: none running);
--   reached: the latest created time it has read (NULL: none yet);
--   finished_at: when the last one finished (at the first cycle: then),
--     the next being due an interval later.
CREATE TABLE feed_rereads (
    channel     text PRIMARY KEY,
    span_from   timestamptz,
    span_to     timestamptz,
    reached     timestamptz,
    finished_at timestamptz NOT NULL,
    CHECK ((span_from IS NULL) = (span_to IS NULL))
);

-- +goose Down
DROP TABLE feed_rereads;
