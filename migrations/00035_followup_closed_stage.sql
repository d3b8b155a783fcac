-- +goose Up

-- The escalation stage a follow-up's decision closed (none, reminded,
-- print_due, print_held, manual), NULL when the decision in force closed
-- nothing. A later decision that does not end the case (consequences
-- assessed) reopens the escalation from it (store.escalationAfter), so a
-- letter is not left silenced by a decision the unit replaced.
ALTER TABLE followups ADD COLUMN closed_stage text;

-- +goose Down
ALTER TABLE followups DROP COLUMN closed_stage;
