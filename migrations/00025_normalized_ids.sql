-- +goose Up

-- Registrations are stored normalized from now on (model.NewShipment.
-- Normalized): a channel id that is a UUID in lower case, a sending unit's
-- name without surrounding spaces. Letters and units stored before are
-- normalized the same way, so that registering one of them again finds it
-- instead of making a second letter (its own reminders and print order).
-- Where two stored rows have one normalized form (the same letter stored
-- twice before, in two cases), they stay as they are.
UPDATE shipments s SET channel_id = one.id
FROM (SELECT channel, lower(channel_id) AS id FROM shipments
      WHERE channel_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      GROUP BY 1, 2 HAVING count(*) = 1) one
WHERE s.channel = one.channel AND lower(s.channel_id) = one.id AND s.channel_id <> one.id;

UPDATE sender_units u SET name = one.name
FROM (SELECT sender_org_id, btrim(name) AS name FROM sender_units GROUP BY 1, 2 HAVING count(*) = 1) one
WHERE u.sender_org_id = one.sender_org_id AND btrim(u.name) = one.name AND u.name <> one.name;

-- +goose Down
-- Nothing to undo: the normalized forms are the same letters and units.
SELECT 1;
