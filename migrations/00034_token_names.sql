-- +goose Up

-- An active API token's name is unique within its sender organisation
-- (sender_org; '' for unscoped tokens): the audit log, the lists and the
-- admin page show tokens by name with their organisation, and two active
-- ones of the same name there could not be told apart. Per organisation,
-- so that an organisation's admin neither learns nor is refused another
-- organisation's token names. A revoked token's name may be used again.
-- Active duplicates made before are renamed, none lost: the oldest keeps
-- its name, the others get " (2)", " (3)", ... (the first suffix no active
-- token has). The audit log keeps the names they had.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
    n int;
    candidate text;
BEGIN
    FOR r IN SELECT t.id, t.name, t.sender_org FROM api_tokens t
        WHERE t.revoked_at IS NULL
          AND EXISTS (SELECT 1 FROM api_tokens o WHERE o.revoked_at IS NULL AND o.sender_org = t.sender_org AND o.name = t.name AND o.id < t.id)
        ORDER BY t.id
    LOOP
        n := 2;
        LOOP
            candidate := r.name || ' (' || n || ')';
            EXIT WHEN NOT EXISTS (SELECT 1 FROM api_tokens WHERE revoked_at IS NULL AND sender_org = r.sender_org AND name = candidate);
            n := n + 1;
        END LOOP;
        UPDATE api_tokens SET name = candidate WHERE id = r.id;
    END LOOP;
END
$$;
-- +goose StatementEnd
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (sender_org, name) WHERE revoked_at IS NULL;

-- +goose Down
-- The renamed tokens keep their new names.
DROP INDEX api_tokens_active_name;
