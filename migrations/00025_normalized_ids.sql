-- +goose Up

-- Registrations are stored normalized from now on (model.NewShipment.
-- Normalized): a channel id that is a UUID in lower case, a sending unit's
-- name without surrounding spaces. Letters and units stored before are
-- normalized the same way, so that registering one of them again finds it
-- instead of making a second letter (its own reminders and print order).
-- Where two stored rows have one normalized form (the same letter stored
-- twice before, in two cases), they stay as they are.
--
-- Only the ids not in lower case are grouped and written: a letter keeps
-- its id when another not in lower case, or one in lower case (found by
-- the unique index), has the same normalized form. (Grouping every letter
-- took 20-50 s at 1,000,000 letters however few needed it, and held the
-- rewritten ones all that time; this is one scan. The result is the same.)
-- The regular expression is asked of those ids only (MATERIALIZED: the
-- planner would ask it of every letter first, seconds per 1,000,000).
WITH not_lower AS MATERIALIZED (
    SELECT id, channel, channel_id, lower(channel_id) AS lowered FROM shipments
    WHERE channel_id <> lower(channel_id)
), upper_ids AS (
    SELECT id, channel, lowered FROM not_lower
    WHERE channel_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
), one AS (
    SELECT channel, lowered FROM upper_ids GROUP BY 1, 2 HAVING count(*) = 1
)
UPDATE shipments s SET channel_id = u.lowered
FROM upper_ids u JOIN one USING (channel, lowered)
WHERE s.id = u.id
    AND NOT EXISTS (SELECT 1 FROM shipments o WHERE o.channel = u.channel AND o.channel_id = u.lowered);

UPDATE sender_units u SET name = one.name
FROM (SELECT sender_org_id, btrim(name) AS name FROM sender_units GROUP BY 1, 2 HAVING count(*) = 1) one
WHERE u.sender_org_id = one.sender_org_id AND btrim(u.name) = one.name AND u.name <> one.name;

-- +goose Down
-- Nothing to undo: the normalized forms are the same letters and units.
SELECT 1;
