-- +goose Up

-- When the print provider last answered usefully about a placed order
-- (answered_at: an answer that knew it, or a 404 counted toward its loss),
-- and since when the print provider has given no useful answer about a placed
-- order: its status polls (or cancels) fail, or answer 404 in a run in
-- which the provider showed it knows none of postvakt's orders (or could
-- not be asked whether it does). The health rule print_provider_silent
-- counts the open orders it has been so for too long. An answer that knows
-- the order, or a 404 the provider can be taken at its word for (counted
-- toward the order's loss, printing.OrderLostAfter), clears it. Set at the
-- first failure of a run of them (poll_failures 0), so an older binary
-- that leaves it behind is corrected at the next run. The alert names the
-- newest answered_at of the open orders. Nullable without a default: no
-- table rewrite, and an older binary goes on.
ALTER TABLE print_orders ADD COLUMN answered_at timestamptz, ADD COLUMN unanswered_since timestamptz;

-- +goose Down
ALTER TABLE print_orders DROP COLUMN answered_at, DROP COLUMN unanswered_since;
