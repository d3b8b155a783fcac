-- +goose Up

-- When the print provider accepted a print order (placed it): written with
-- the order's id in the statement that records the acceptance
-- (store.FinishPrintSend), in the transaction that appends its evidence
-- (print_ordered). The exports read it (print_placed_at): the evidence is
-- removed by the retention purge, the print order's row is kept, so a
-- court still learns when a purged letter's print was placed. NULL while
-- the order is not placed. Nullable without a default: no table rewrite,
-- and an older binary, which places orders without it, goes on (the
-- exports then read the placing from the evidence, and the purge copies it
-- here before it removes the evidence).
ALTER TABLE print_orders ADD COLUMN placed_at timestamptz;
-- The orders placed before: the provider's acceptance in their evidence
-- (the first print_ordered event), read by the events' index for the
-- placed orders only. A letter purged before this migration has lost its
-- evidence; its order stays without the time.
UPDATE print_orders p SET placed_at = e.placed_at
FROM (SELECT o.shipment_id, min(e.observed_at) AS placed_at
      FROM print_orders o JOIN shipment_events e ON e.shipment_id = o.shipment_id AND e.kind = 'print_ordered'
      WHERE o.order_id <> ''
      GROUP BY o.shipment_id) e
WHERE p.shipment_id = e.shipment_id;

-- +goose Down
ALTER TABLE print_orders DROP COLUMN placed_at;
