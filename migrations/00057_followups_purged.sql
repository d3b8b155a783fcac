-- +goose Up

-- A follow-up without a decision whose letter the retention purge took:
-- the purge now closes it as it purges (store.PurgeShipments), as no
-- decision may be recorded for a purged letter; those purged before were
-- left open for good, overdue in the compliance digest and on /followups
-- every day. Closed here the same way (the migration as the actor; the
-- letter's evidence is purged, so no event is written). Instant: the open
-- follow-ups are few.
UPDATE followups f SET decision = 'closed', decided_by = 'migration', decided_at = now()
FROM shipments s
WHERE f.shipment_id = s.id AND f.decision IS NULL AND s.purged_at IS NOT NULL;

-- +goose Down
-- Nothing: the follow-ups closed stay closed.
SELECT 1;
