-- +goose Up
-- shipments_open_by_recipient (00001) is covered by shipments_recipient_sent
-- (00005: the same leading columns, all rows) and shipments_escalation
-- (00007: the open ones); every index costs registration time.
DROP INDEX shipments_open_by_recipient;

-- +goose Down
CREATE INDEX shipments_open_by_recipient ON shipments (recipient_id, sent_at)
    WHERE state IN ('registered', 'accepted', 'available');
