-- +goose Up
-- A shipment the channel could not deliver (SvarUt IKKE_LEVERT, Altinn
-- Failed or Reserved) needs paper at once: the escalation run looks at it
-- too. The predicate must equal openWhere in internal/store/escalation.go.
DROP INDEX shipments_escalation;
CREATE INDEX shipments_escalation ON shipments (recipient_id, sent_at, id)
    WHERE state IN ('registered', 'accepted', 'available', 'failed') AND stage IN ('none', 'reminded');

-- +goose Down
DROP INDEX shipments_escalation;
CREATE INDEX shipments_escalation ON shipments (recipient_id, sent_at, id)
    WHERE state IN ('registered', 'accepted', 'available') AND stage IN ('none', 'reminded');
