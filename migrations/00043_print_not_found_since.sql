-- +goose Up

-- A placed print order whose status poll the provider answers 404 (it
-- does not know the order) is not given up on one answer: the poll is that
-- order's error, asked again with its backoff, and this notes when the
-- provider first said so. Once it has kept saying so for
-- printing.OrderLostAfter, the letter goes to manual handling (reason
-- print_lost), never to a second order; any answer that knows the order
-- clears this. Nullable without a default: no table rewrite, and an older
-- binary goes on.
ALTER TABLE print_orders ADD COLUMN not_found_since timestamptz;

-- +goose Down
ALTER TABLE print_orders DROP COLUMN not_found_since;
