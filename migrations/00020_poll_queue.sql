-- +goose Up

-- When each letter is polled next, in a narrow table of its own. In
-- shipments, the poll bookkeeping made every poll rewrite a wide row:
-- moving next_poll_at (indexed) touched all of its indexes, and the claim
-- could not be a HOT update either, as a freshly imported table has full
-- pages. A poll that learns nothing new now leaves shipments alone; a
-- claim is a HOT update here (fill factor 50: a batch claims neighbouring
-- rows); a letter whose state changes is one update of shipments, not
-- three. One row per letter, next_poll_at NULL when it is not polled.
-- Written with its shipment (a trigger since 00021), and shipments are
-- never deleted; no foreign key, whose check per row was a tenth of an
-- import of 1,000,000 letters.
CREATE TABLE poll_queue (
    shipment_id   uuid PRIMARY KEY,
    channel       text NOT NULL,
    next_poll_at  timestamptz,
    claimed_until timestamptz,
    failures      integer NOT NULL DEFAULT 0
) WITH (fillfactor = 50);

INSERT INTO poll_queue (shipment_id, channel, next_poll_at, claimed_until, failures)
    SELECT id, channel, next_poll_at, poll_claimed_until, poll_failures FROM shipments;

CREATE INDEX poll_queue_due ON poll_queue (channel, next_poll_at) WHERE next_poll_at IS NOT NULL;

DROP INDEX shipments_due_poll;
ALTER TABLE shipments DROP COLUMN next_poll_at, DROP COLUMN poll_claimed_until, DROP COLUMN poll_failures;

-- +goose Down
ALTER TABLE shipments ADD COLUMN next_poll_at timestamptz DEFAULT now(),
    ADD COLUMN poll_claimed_until timestamptz,
    ADD COLUMN poll_failures integer NOT NULL DEFAULT 0;
UPDATE shipments s SET next_poll_at = q.next_poll_at, poll_claimed_until = q.claimed_until, poll_failures = q.failures
    FROM poll_queue q WHERE q.shipment_id = s.id;
CREATE INDEX shipments_due_poll ON shipments (channel, next_poll_at) WHERE next_poll_at IS NOT NULL;
DROP TABLE poll_queue;
