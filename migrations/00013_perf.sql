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

-- +goose Down
ALTER TABLE shipment_events ADD CONSTRAINT shipment_events_shipment_id_fkey
    FOREIGN KEY (shipment_id) REFERENCES shipments(id);
ALTER TABLE shipments ADD CONSTRAINT shipments_recipient_id_fkey
    FOREIGN KEY (recipient_id) REFERENCES recipients(id);
ALTER TABLE shipments ADD CONSTRAINT shipments_sender_unit_id_fkey
    FOREIGN KEY (sender_unit_id) REFERENCES sender_units(id);
