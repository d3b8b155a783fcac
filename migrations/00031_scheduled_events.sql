-- +goose NO TRANSACTION
-- +goose Up

-- A letter the sender scheduled for later delivery is found by its events
-- with one of the channels' scheduled statuses (channel.Spec.Scheduled;
-- store.sqlScheduled: the health rules' selectors, every alert page and
-- incident report, the delivery times). Without an index each of those
-- questions read every event: a sequential scan of shipment_events, about
-- 100 ms at 100,000 letters and growing with the evidence. The partial
-- index holds only those events: a few rows, and nothing to do when any
-- other event is written. The list is every registered channel's
-- Scheduled statuses; store's TestScheduledStatusesIndexed fails when a
-- channel adds one that is not here (the questions would still be right,
-- but read every event again). CONCURRENTLY, outside a transaction: on
-- a populated database the build reads all of shipment_events, and a plain
-- CREATE INDEX would hold every event write (every poll) for that long.
-- A build that fails half-way leaves an invalid index; IF NOT EXISTS would
-- keep it, so the migration drops such a one first.
DROP INDEX CONCURRENTLY IF EXISTS shipment_events_scheduled;
CREATE INDEX CONCURRENTLY shipment_events_scheduled ON shipment_events (shipment_id, source, observed_at)
    WHERE raw_status IN ('DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY');

-- +goose Down
DROP INDEX CONCURRENTLY shipment_events_scheduled;
