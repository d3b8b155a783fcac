-- +goose Up

-- Since when the address lookups of a print decision (state lookup) have
-- failed: Enhetsregisteret down, or answering what cannot be read. Set at
-- the first failure of a run of them, cleared when the lookup is asked for
-- anew (a released batch's print, one reopened by a follow-up); a print
-- that leaves state lookup no longer counts. The health rule
-- print_provider_silent counts those failing for its `after` or longer:
-- their letters are not printed and none goes to manual handling.
-- Nullable without a default: no table rewrite, and an older binary goes on
-- (it leaves the column as it is; the lookup's outcome moves the print on).
ALTER TABLE print_orders ADD COLUMN lookup_failing_since timestamptz;
CREATE INDEX print_orders_lookup_failing ON print_orders (lookup_failing_since) WHERE state = 'lookup';

-- +goose Down
DROP INDEX print_orders_lookup_failing;
ALTER TABLE print_orders DROP COLUMN lookup_failing_since;
