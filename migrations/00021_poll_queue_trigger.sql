-- +goose Up

-- Every letter gets its poll_queue row (migration 00020) from the database
-- itself, whoever inserts it: a binary from before 00020 (a replica not yet
-- upgraded, an import cron on another host) inserts shipments without one,
-- and such letters were never polled. One set-based insert per statement.
-- +goose StatementBegin
CREATE FUNCTION poll_queue_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO poll_queue (shipment_id, channel, next_poll_at)
        SELECT id, channel, now() FROM new_shipments
        ON CONFLICT (shipment_id) DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER shipments_poll_queue AFTER INSERT ON shipments
    REFERENCING NEW TABLE AS new_shipments
    FOR EACH STATEMENT EXECUTE FUNCTION poll_queue_add();

-- Letters inserted without a row since 00020.
INSERT INTO poll_queue (shipment_id, channel, next_poll_at)
    SELECT s.id, s.channel, now() FROM shipments s
    WHERE NOT EXISTS (SELECT 1 FROM poll_queue q WHERE q.shipment_id = s.id);

-- +goose Down
DROP TRIGGER shipments_poll_queue ON shipments;
DROP FUNCTION poll_queue_add();
