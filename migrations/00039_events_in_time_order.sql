-- +goose NO TRANSACTION
-- +goose Up

-- A letter's evidence log is read in the order things happened: the
-- evidence page and GET /api/v1/shipments/{id} a page at a time, newest
-- first, by keyset on (observed_at, id) (store.EventsBefore), the proof in
-- that order too (store.ProofEvents). The index on (shipment_id, id) gave
-- the letter's events in the order they were recorded, so every page read
-- the whole log and sorted it: a Digital Post letter of 5,000 log entries
-- read all 5,000 rows for each page of 200. This index gives a page by
-- reading its rows only (an index scan backward from the cursor, stopped
-- by the LIMIT). It takes the old index's place: everything else that
-- looks a letter's events up does so by shipment_id alone (the proof's
-- first and last events, the feed's and the health rules' EXISTS, the
-- purge's foreign key), which this index serves as well, and the whole
-- log (the evidence export, store.Events) sorts one letter's events by id.
-- CONCURRENTLY, outside a transaction, as 00031: the build reads all of
-- shipment_events, and a plain CREATE INDEX would hold every event write
-- (every poll) for that long. A build that fails half-way leaves an
-- invalid index; IF NOT EXISTS would keep it, so it is dropped first.
DROP INDEX CONCURRENTLY IF EXISTS shipment_events_shipment_time;
CREATE INDEX CONCURRENTLY shipment_events_shipment_time ON shipment_events (shipment_id, observed_at, id);
DROP INDEX CONCURRENTLY IF EXISTS shipment_events_shipment;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS shipment_events_shipment;
CREATE INDEX CONCURRENTLY shipment_events_shipment ON shipment_events (shipment_id, id);
DROP INDEX CONCURRENTLY shipment_events_shipment_time;
