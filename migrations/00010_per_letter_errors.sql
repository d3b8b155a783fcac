-- +goose Up

-- A shipment its channel has never heard of: SvarUt v1 answered 404 for
-- the ids asked, the shipment was missing from a v2 status-sok answer, or
-- Altinn answered 404/410 for its details. It is a marker beside the
-- delivery state, not a state: the state stays the last one the channel
-- gave (registered if none), the marker is cleared as soon as the channel
-- answers about the shipment, and lists and the evidence show it. Set to
-- the first poll that found the shipment unknown.
ALTER TABLE shipments ADD COLUMN unknown_to_channel_since timestamptz;
-- The "unknown to the channel" list, oldest first (keyset on sent_at, id).
CREATE INDEX shipments_unknown_to_channel ON shipments (sent_at, id)
    WHERE unknown_to_channel_since IS NOT NULL;

-- Altinn Notifications refused an order for good (422 NOT-00001: the
-- organisation has no contact information): recorded, listed for the
-- compliance officer, never placed again.
ALTER TABLE notifications ADD COLUMN order_refused_at timestamptz;
DROP INDEX notifications_order_open;
CREATE INDEX notifications_order_open ON notifications (id)
    WHERE order_request IS NOT NULL AND order_id = '' AND order_refused_at IS NULL;

-- +goose Down
DROP INDEX notifications_order_open;
CREATE INDEX notifications_order_open ON notifications (id)
    WHERE order_request IS NOT NULL AND order_id = '';
ALTER TABLE notifications DROP COLUMN order_refused_at;
DROP INDEX shipments_unknown_to_channel;
ALTER TABLE shipments DROP COLUMN unknown_to_channel_since;
