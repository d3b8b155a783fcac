-- +goose Up

-- Feed channels (Danish Digital Post): the channel is an event log read by
-- time windows, not a status per shipment (internal/store/feed.go).

-- Every entry of a channel's log kept as evidence carries the log's own id
-- of the entry; a repeated entry (a duplicate in the log, or one read again
-- because windows overlap) never makes a second evidence row.
ALTER TABLE shipment_events ADD COLUMN external_id text;
CREATE UNIQUE INDEX shipment_events_external ON shipment_events (source, external_id)
    WHERE external_id IS NOT NULL;

-- Where each feed channel's reading stands: the latest `created` time of an
-- entry seen (the log's own clock). The next read starts at it minus an
-- overlap, because the log is only eventually consistent.
CREATE TABLE feed_cursors (
    channel    text PRIMARY KEY,
    cursor     timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE feed_cursors;
DROP INDEX shipment_events_external;
ALTER TABLE shipment_events DROP COLUMN external_id;
