-- +goose Up

-- How many of a print outbox row's claims certainly never reached the
-- provider (every attempt failed connecting, the breaker was open): with
-- them the row is still one whose letter may be found opened and its order
-- skipped, as a row claimed for the first time (printing.send). A constant
-- default: an older binary neither sets nor reads it, and skips on the
-- first claim only, as before.
ALTER TABLE print_outbox ADD COLUMN unsent integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE print_outbox DROP COLUMN unsent;
