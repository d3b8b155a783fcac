-- +goose Up

-- The registration writes its letters' poll_queue rows in its own
-- statement and says so (SET LOCAL postvakt.queue_rows = 'written'); the
-- trigger of 00021 then only serves other writers, a row at a time. Its
-- statement-level form kept every inserted row in a transition table:
-- about 25 s of an import of 1,000,000 letters.
DROP TRIGGER shipments_poll_queue ON shipments;
DROP FUNCTION poll_queue_add();
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

-- +goose Down
DROP TRIGGER shipments_poll_queue ON shipments;
DROP FUNCTION poll_queue_add_row();
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
