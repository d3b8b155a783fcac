-- +goose Up
-- When postvakt asked the channel, beside the time the event is about
-- (observed_at): the channel's own time when it gave one, else the poll's.
-- Equal, the channel told no time, and the fact holds "no later than".
-- NULL for events not from a poll (instant: no default, no rewrite).
ALTER TABLE shipment_events ADD COLUMN polled_at timestamptz;

-- +goose Down
ALTER TABLE shipment_events DROP COLUMN polled_at;
