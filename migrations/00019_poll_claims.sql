-- +goose Up

-- The poll's claims (leases) in a narrow table of their own. Migration 00013
-- put the lease in a shipments column no index covers so that claiming
-- would be a HOT update; it was not: a freshly imported table has no room
-- on its pages (fillfactor 100), so each claimed row got a new version on
-- another page and a new entry in all 14 indexes of shipments (the bench's
-- cycle: 20,000 updates of shipments, 42 of them HOT). A claim is now one
-- row here (one index), and writing a poll's result deletes it
-- (store/poll.go). Claims are short-lived: a crashed worker's row stays
-- until its lease ends and is then taken over or deleted.
CREATE TABLE poll_claims (
    shipment_id uuid PRIMARY KEY,
    claimed_until timestamptz NOT NULL
);
ALTER TABLE shipments DROP COLUMN poll_claimed_until;

-- +goose Down
ALTER TABLE shipments ADD COLUMN poll_claimed_until timestamptz;
DROP TABLE poll_claims;
