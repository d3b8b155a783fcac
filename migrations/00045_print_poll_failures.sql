-- +goose Up

-- A placed print order's status poll (or cancel) that fails is asked again
-- after a backoff that grows with its consecutive failures (1 minute,
-- doubling to an hour, or later when the provider asks for it), as a
-- create's does with the outbox's attempts; this counts them. Any answer
-- that knows the order sets it back to 0. A constant default: no table
-- rewrite (PostgreSQL 11 and newer), and an older binary goes on.
ALTER TABLE print_orders ADD COLUMN poll_failures integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE print_orders DROP COLUMN poll_failures;
