-- +goose Up

-- The escalation stage a follow-up's decision closed (none, reminded,
-- print_due, print_held, manual), NULL when the decision in force closed
-- nothing. A later decision that does not end the case (consequences
-- assessed) reopens the escalation from it (store.escalationAfter), so a
-- letter is not left silenced by a decision the unit replaced.
ALTER TABLE followups ADD COLUMN closed_stage text;
-- Letters a decision closed before this column: the stage it closed is in
-- the evidence, the last "escalation closed (stage X)" of the letter's
-- follow-up entries (every close has written one). Only closed letters
-- are read, through their events' index.
UPDATE followups f SET closed_stage = (
    SELECT substring(e.message FROM 'escalation closed \(stage ([a-z_]+)\)')
    FROM shipment_events e
    WHERE e.shipment_id = f.shipment_id AND e.kind = 'followup' AND e.message LIKE '%escalation closed (stage %'
    ORDER BY e.id DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM shipments s WHERE s.id = f.shipment_id AND s.stage = 'closed');

-- +goose Down
ALTER TABLE followups DROP COLUMN closed_stage;
