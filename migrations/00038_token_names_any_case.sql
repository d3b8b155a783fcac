-- +goose Up

-- An active API token's name is unique within its sender organisation
-- whatever its case (00034 compared names exactly, so "Sak" and "sak" could
-- both be active there, and the audit log and the lists could not tell
-- them apart at a glance). Letters are folded by lower(): ASCII always,
-- others (æøå) as the database's locale folds them. Active duplicates made
-- before are renamed as 00034 did, none lost: the oldest keeps its name,
-- the others get " (2)", " (3)", ... (the first suffix no active token of
-- the organisation has in any case). The audit log keeps the names they had.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
    n int;
    candidate text;
BEGIN
    FOR r IN SELECT t.id, t.name, t.sender_org FROM api_tokens t
        WHERE t.revoked_at IS NULL
          AND EXISTS (SELECT 1 FROM api_tokens o WHERE o.revoked_at IS NULL AND o.sender_org = t.sender_org
              AND lower(o.name) = lower(t.name) AND o.id < t.id)
        ORDER BY t.id
    LOOP
        n := 2;
        LOOP
            candidate := r.name || ' (' || n || ')';
            EXIT WHEN NOT EXISTS (SELECT 1 FROM api_tokens WHERE revoked_at IS NULL AND sender_org = r.sender_org
                AND lower(name) = lower(candidate));
            n := n + 1;
        END LOOP;
        UPDATE api_tokens SET name = candidate WHERE id = r.id;
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP INDEX api_tokens_active_name;
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (sender_org, lower(name)) WHERE revoked_at IS NULL;

-- +goose Down
-- The renamed tokens keep their new names.
DROP INDEX api_tokens_active_name;
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (sender_org, name) WHERE revoked_at IS NULL;
