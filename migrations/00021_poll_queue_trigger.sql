-- +goose Up

-- Every letter gets its poll_queue row (migration 00020). The registration
-- writes its letters' rows in its own statement and says so (SET LOCAL
-- postvakt.queue_rows = 'written'); this trigger serves every other
-- writer, a row at a time: a binary from before 00020 (a replica not yet
-- upgraded, an import cron on another host) inserts shipments without a
-- row, and such letters were never polled. (A statement-level trigger kept
-- every inserted row in a transition table: about 25 s of an import of
-- 1,000,000 letters.)
-- +goose StatementBegin
CREATE FUNCTION poll_queue_add_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO poll_queue (shipment_id, channel, next_poll_at) VALUES (NEW.id, NEW.channel, now())
        ON CONFLICT (shipment_id) DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER shipments_poll_queue AFTER INSERT ON shipments
    FOR EACH ROW WHEN (current_setting('postvakt.queue_rows', true) IS DISTINCT FROM 'written')
    EXECUTE FUNCTION poll_queue_add_row();

-- Letters inserted without a row since 00020.
INSERT INTO poll_queue (shipment_id, channel, next_poll_at)
    SELECT s.id, s.channel, now() FROM shipments s
    WHERE NOT EXISTS (SELECT 1 FROM poll_queue q WHERE q.shipment_id = s.id);

-- +goose Down
DROP TRIGGER shipments_poll_queue ON shipments;
DROP FUNCTION poll_queue_add_row();
