-- +goose Up

-- Print fallback (internal/printing, internal/store/print.go).
--
-- Shipment stages set here: print_held (waiting in an approval batch),
-- print_rejected (the batch was rejected), print_ordered (decided, in the
-- outbox or at the provider), printed (the provider printed or posted it),
-- print_cancelled (opened after the order; the order was cancelled), manual
-- (manual handling: no usable address, or the print failed).

-- Answers of the business register (Enhetsregisteret), kept for a TTL so a
-- run over thousands of shipments asks once per organisation. status is the
-- HTTP status (200, 404 unknown, 410 removed); body the answer as given.
CREATE TABLE register_cache (
    orgnr      text PRIMARY KEY,
    status     integer NOT NULL,
    body       jsonb,
    fetched_at timestamptz NOT NULL
);

-- Prints that wait for a compliance officer. One held batch per policy at a
-- time collects due prints; releasing or rejecting it closes it.
CREATE TABLE print_batches (
    id         bigserial PRIMARY KEY,
    policy     text NOT NULL,
    state      text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'released', 'rejected')),
    created_at timestamptz NOT NULL,
    decided_by text NOT NULL DEFAULT '',
    decided_at timestamptz
);
CREATE UNIQUE INDEX print_batches_one_held ON print_batches (policy) WHERE state = 'held';

-- The print decision for a shipment: at most one per shipment, ever, which
-- is what makes "exactly once" hold across runs, replicas and crashes.
--   lookup     decided; the postal address is being looked up (due_at: next try)
--   manual     no print: the shipment went to manual handling (print_manual)
--   held       waiting in a held batch (batch_id)
--   rejected   the batch was rejected: nothing is sent
--   skipped    never sent: the shipment was opened or closed first
--   queued     in the outbox (print_outbox), not yet confirmed by the provider
--   received, printed, posted, failed, cancelled: the provider's state
--              (due_at: next status poll while received or printed)
-- request is the order body, fixed at decision time, so every retry under
-- idempotency_key sends the same order.
CREATE TABLE print_orders (
    shipment_id       uuid PRIMARY KEY REFERENCES shipments(id),
    policy            text NOT NULL,
    requires_approval boolean NOT NULL,
    idempotency_key   text NOT NULL UNIQUE,
    state             text NOT NULL CHECK (state IN ('lookup', 'manual', 'held', 'rejected', 'skipped',
                          'queued', 'received', 'printed', 'posted', 'failed', 'cancelled')),
    batch_id          bigint REFERENCES print_batches(id),
    request           jsonb,
    order_id          text NOT NULL DEFAULT '',
    failure_reason    text NOT NULL DEFAULT '',
    cancel_tried      boolean NOT NULL DEFAULT false,
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text NOT NULL DEFAULT '',
    due_at            timestamptz,
    lease_until       timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX print_orders_due ON print_orders (state, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX print_orders_batch ON print_orders (batch_id) WHERE batch_id IS NOT NULL;

-- The transactional outbox: a row is committed together with the decision
-- (or the release) and removed in the transaction that records the
-- provider's answer. attempts counts claims: a row claimed at least once may
-- have reached the provider, so it is always sent again (same key), never
-- dropped. next_attempt_at is both the claim lease and the retry backoff.
CREATE TABLE print_outbox (
    shipment_id     uuid PRIMARY KEY REFERENCES print_orders(shipment_id),
    created_at      timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text NOT NULL DEFAULT ''
);
CREATE INDEX print_outbox_due ON print_outbox (next_attempt_at);

-- Manual handling: shipments that cannot be printed automatically, with the
-- reason (person, cvr, unknown, removed, deleted, bankrupt, winding_up,
-- forced_dissolution, no_address, print_refused, print_failed,
-- print_cancelled) and a readable detail.
CREATE TABLE print_manual (
    shipment_id uuid PRIMARY KEY REFERENCES shipments(id),
    reason      text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz,
    resolved_by text NOT NULL DEFAULT ''
);
CREATE INDEX print_manual_open ON print_manual (created_at) WHERE resolved_at IS NULL;

-- Print-due shipments (stage set by the escalation run) are handed to the
-- print fallback right after the decision commits; this finds the few whose
-- hand-off was lost (a crash in between) so Drain can order them.
CREATE INDEX shipments_print_due ON shipments (id) WHERE stage = 'print_due';

-- +goose Down
DROP INDEX shipments_print_due;
DROP TABLE print_manual;
DROP TABLE print_outbox;
DROP TABLE print_orders;
DROP TABLE print_batches;
DROP TABLE register_cache;
