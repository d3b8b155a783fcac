-- +goose Up

-- Channel ids stored with spaces around them are stored as registrations
-- store them now (model.NewShipment.Normalized): trimmed, and a UUID in
-- lower case. Until 547b46e the API kept a channel id as it was given, and
-- 00025 looked only at ids without spaces, so registering such a letter
-- again made a second one (its own reminders and print order) while the
-- poll kept asking the channel about an id it does not know. Sending
-- units' names with other spaces than U+0020 around them (00025 trimmed
-- those only) are trimmed too. As in 00025, a row whose normalized form
-- is taken (another row has it, or two rows come to it) stays as it is.
-- The spaces are those strings.TrimSpace removes that registration lets
-- through (it refuses control characters). Only the padded rows are
-- written: one scan of shipments, no lock beyond those rows.
WITH padded AS (
    SELECT id, channel, btrim(channel_id, E' \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000') AS trimmed FROM shipments
    WHERE channel_id <> btrim(channel_id, E' \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000')
), norm AS (
    SELECT id, channel,
        CASE WHEN trimmed ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN lower(trimmed) ELSE trimmed END AS channel_id
    FROM padded
), one AS (
    SELECT channel, channel_id FROM norm GROUP BY 1, 2 HAVING count(*) = 1
)
UPDATE shipments s SET channel_id = n.channel_id
FROM norm n JOIN one USING (channel, channel_id)
WHERE s.id = n.id
    AND NOT EXISTS (SELECT 1 FROM shipments o WHERE o.channel = n.channel AND o.channel_id = n.channel_id);

WITH norm AS (
    SELECT id, sender_org_id, btrim(name, E' \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000') AS name FROM sender_units
    WHERE name <> btrim(name, E' \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000')
), one AS (
    SELECT sender_org_id, name FROM norm GROUP BY 1, 2 HAVING count(*) = 1
)
UPDATE sender_units u SET name = n.name
FROM norm n JOIN one USING (sender_org_id, name)
WHERE u.id = n.id
    AND NOT EXISTS (SELECT 1 FROM sender_units o WHERE o.sender_org_id = n.sender_org_id AND o.name = n.name);

-- +goose Down
-- Nothing to undo: the normalized forms are the same letters and units.
SELECT 1;
