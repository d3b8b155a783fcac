-- +goose Up

-- Organisation names from the business registers (internal/register,
-- internal/store/names.go).

-- What answered: enhet (Enhetsregisteret /enheter/{orgnr}), underenhet
-- (/underenheter/{orgnr}, asked when /enheter answered 404: a sub-unit, or,
-- with status 404, a number neither knows), cvr (the Danish CVR: body is the
-- search hit's _source, status 404 when the search found no company).
ALTER TABLE register_cache ADD COLUMN kind text NOT NULL DEFAULT 'enhet'
    CHECK (kind IN ('enhet', 'underenhet', 'cvr'));
-- The organisation's name as read from the answer ('' when it has none),
-- so that copying names into recipients and sender_orgs needs no knowledge
-- of each register's answer.
ALTER TABLE register_cache ADD COLUMN name text NOT NULL DEFAULT '';
UPDATE register_cache SET name = btrim(COALESCE(body->>'navn', '')) WHERE status = 200 AND jsonb_typeof(body) = 'object';

-- Name lookups that failed (the register down, a 5xx, an answer that is not
-- JSON): asked again at retry_at, backing off per organisation, so one
-- organisation's trouble neither stops nor slows the others. A register
-- answer (register_cache) removes the row.
CREATE TABLE register_retries (
    orgnr    text PRIMARY KEY,
    attempts integer NOT NULL,
    retry_at timestamptz NOT NULL,
    error    text NOT NULL
);

-- +goose Down
DROP TABLE register_retries;
ALTER TABLE register_cache DROP COLUMN name;
ALTER TABLE register_cache DROP COLUMN kind;
