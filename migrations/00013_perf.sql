-- +goose Up

-- Registration without per-row work in the database (issue 13). A
-- foreign-key check is a trigger that runs a query per inserted row: on a
-- 1,000,000-row import the three below cost about a quarter of the time.
-- They guard nothing the store can do:
--   shipments.sender_unit_id, shipments.recipient_id: the one INSERT INTO
--     shipments (store/register.go) joins sender_units and recipients in the
--     same statement, and neither table ever loses a row or changes an id;
--   shipment_events.shipment_id: every event is inserted for a shipment the
--     same statement selects, updates or checks (appendEvent(s) refuse an
--     unknown id), and shipments are never deleted.
-- The smaller tables that point at shipments (notification_items,
-- print_orders, followups, print_manual) keep theirs: they are written a
-- row at a time anyway.
ALTER TABLE shipments DROP CONSTRAINT shipments_sender_unit_id_fkey;
ALTER TABLE shipments DROP CONSTRAINT shipments_recipient_id_fkey;
ALTER TABLE shipment_events DROP CONSTRAINT shipment_events_shipment_id_fkey;

-- An escalation run proportional to the letters whose step is due, not to
-- all open letters (issue 13). next_step_at is the earliest moment a step
-- can come due for the letter under the policies the escalation run last
-- recorded (escalation_policies): never later than the true moment, so a
-- run that looks only at letters with next_step_at <= now misses nothing.
--   'epoch' (the default) not looked at yet: the next run looks at it,
--                        whatever its clock (runs may be made as of a time)
--   a time               the run computed when the next step can come due
--                        (a bulk registration computes it for new letters)
--   NULL                 no step can come any more under these policies
-- The run writes it after deciding a letter; a change that can make a step
-- come earlier resets it (the poll, when a letter fails; a policy change,
-- through the fingerprint: the next run then looks at every open letter).
ALTER TABLE shipments ADD COLUMN next_step_at timestamptz DEFAULT 'epoch';

-- The run's work queue replaces its walk over every open letter by
-- recipient (shipments_escalation). The predicate must equal
-- sqlEscalates in internal/store/stage.go.
DROP INDEX shipments_escalation;
CREATE INDEX shipments_next_step ON shipments (next_step_at)
    WHERE state IN ('registered', 'accepted', 'available', 'failed') AND stage IN ('none', 'reminded');

-- The policies the next-step times were computed under: a SHA-256 over
-- their rules (policy.Set.Fingerprint), recorded by the first complete run
-- that looked at every open letter under them.
CREATE TABLE escalation_policies (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    fingerprint text NOT NULL,
    recorded_at timestamptz NOT NULL
);

-- The poll's claim on a batch (its lease) in a column no index covers, so
-- claiming is a HOT update: moving next_poll_at (indexed) touched every
-- index of shipments, which made the claim half of PostgreSQL's work in a
-- poll cycle. Writing the result ends the claim (store/poll.go).
ALTER TABLE shipments ADD COLUMN poll_claimed_until timestamptz;

-- +goose Down
ALTER TABLE shipments DROP COLUMN poll_claimed_until;
DROP TABLE escalation_policies;
DROP INDEX shipments_next_step;
CREATE INDEX shipments_escalation ON shipments (recipient_id, sent_at, id)
    WHERE state IN ('registered', 'accepted', 'available', 'failed') AND stage IN ('none', 'reminded');
ALTER TABLE shipments DROP COLUMN next_step_at;
ALTER TABLE shipment_events ADD CONSTRAINT shipment_events_shipment_id_fkey
    FOREIGN KEY (shipment_id) REFERENCES shipments(id);
ALTER TABLE shipments ADD CONSTRAINT shipments_recipient_id_fkey
    FOREIGN KEY (recipient_id) REFERENCES recipients(id);
ALTER TABLE shipments ADD CONSTRAINT shipments_sender_unit_id_fkey
    FOREIGN KEY (sender_unit_id) REFERENCES sender_units(id);
