-- +goose Up

-- A user's name is unique whatever its case. CreateUser refused a name
-- taken in another case only by a check in its insert, which two adds at
-- the same moment ("Kari" by user add, "kari" on the users page) both
-- passed: two people the audit log ("user:kari") and the users page could
-- not tell apart. Users made so are not renamed here (a login name is what
-- a person types): the upgrade stops, naming them, and is run again once
-- all but one of each are renamed (the audit log keeps the old names).
-- +goose StatementBegin
DO $$
DECLARE
    dups text;
BEGIN
    SELECT string_agg(names, '; ' ORDER BY names COLLATE "C") INTO dups FROM (
        SELECT string_agg(name, ', ' ORDER BY name COLLATE "C") AS names FROM users GROUP BY lower(name) HAVING count(*) > 1) d;
    IF dups IS NOT NULL THEN
        RAISE EXCEPTION 'users whose names differ only in case: %; rename all but one of each (psql: UPDATE users SET name = ''kari2'' WHERE name = ''Kari'';), tell those people their new login name, then run postvakt migrate again', dups;
    END IF;
END
$$;
-- +goose StatementEnd
CREATE UNIQUE INDEX users_name_any_case ON users (lower(name));

-- +goose Down
DROP INDEX users_name_any_case;
