-- +goose Up

-- People who use the web UI. Passwords are bcrypt hashes; scoping is the
-- same as for API tokens: compliance and admin see their sender
-- organisation (all, when empty), unit only its sending unit, operations no
-- shipments at all.
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'compliance', 'unit', 'operations')),
    sender_org    text NOT NULL DEFAULT '',
    unit          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz,
    CHECK (role <> 'unit' OR (sender_org <> '' AND unit <> ''))
);

-- Login sessions; only a SHA-256 of the cookie's secret is stored. The CSRF
-- token is per session and goes into every form.
CREATE TABLE sessions (
    hash       bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Who looked at what: every view of personal data, every export, every
-- decision, every refusal. Append-only like the evidence log; the retention
-- purge alone may delete.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    role       text NOT NULL DEFAULT '',
    sender_org text NOT NULL DEFAULT '',
    action     text NOT NULL,
    object     text NOT NULL DEFAULT '',
    detail     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_org ON audit_log (sender_org, id DESC);

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_evidence_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_evidence_truncate();

-- Follow-up of a failed, rejected or long-unread shipment by its sending
-- unit (the Copenhagen practice): one row per shipment, a deadline, and the
-- decision once recorded. Every decision is also an event in the
-- shipment's evidence log.
CREATE TABLE followups (
    shipment_id     uuid PRIMARY KEY REFERENCES shipments(id),
    sender_unit_id  bigint NOT NULL REFERENCES sender_units(id),
    reason          text NOT NULL,
    deadline        timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    decision        text CHECK (decision IN ('resent', 'new_letter', 'consequences_assessed', 'closed')),
    note            text NOT NULL DEFAULT '',
    missed_deadline boolean NOT NULL DEFAULT false,
    new_shipment_id uuid REFERENCES shipments(id),
    decided_by      text NOT NULL DEFAULT '',
    decided_at      timestamptz
);
-- Open follow-ups per unit by deadline (the unit's list, the overdue list).
CREATE INDEX followups_open ON followups (sender_unit_id, deadline) WHERE decision IS NULL;
CREATE INDEX followups_open_deadline ON followups (deadline) WHERE decision IS NULL;

-- The compliance lists. Unopened confidential shipments per receiving
-- organisation: the summary is an index-only scan grouped by recipient, the
-- per-organisation list an index range scan in sent order.
CREATE INDEX shipments_unopened_conf ON shipments (recipient_id, sent_at, id)
    INCLUDE (sender_unit_id, stage, state, class, channel, reminders_sent, last_reminded_at)
    WHERE confidential AND state IN ('registered', 'accepted', 'available');
-- The same per sending unit.
CREATE INDEX shipments_unopened_conf_unit ON shipments (sender_unit_id, sent_at, id)
    INCLUDE (recipient_id, stage, state, class, channel, reminders_sent, last_reminded_at)
    WHERE confidential AND state IN ('registered', 'accepted', 'available');
-- Rejected, failed and expired shipments, oldest first.
CREATE INDEX shipments_problems ON shipments (sent_at, id)
    WHERE state IN ('rejected', 'failed', 'expired');
-- The manual-handling queue.
CREATE INDEX shipments_manual ON shipments (sent_at, id) WHERE stage = 'manual';
-- Search by recipient and period.
CREATE INDEX shipments_recipient_sent ON shipments (recipient_id, sent_at, id);

-- The unfiltered summaries at scale (SPEC: p95 < 50 ms at 1,000,000
-- shipments / 10,000 organisations): aggregating 250,000 open rows live
-- takes ~0.5 s, so the plain summaries (no filter but the sender
-- organisation) read these rollups, refreshed by a scheduled job
-- (store.RefreshListSummaries, CONCURRENTLY: readers never wait). A filtered
-- summary, or one while the rollups are stale, is computed live.
CREATE MATERIALIZED VIEW unopened_by_recipient AS
    SELECT u.sender_org_id, s.recipient_id, count(*) AS n, min(s.sent_at) AS oldest,
        max(CASE s.stage WHEN 'reminded' THEN 1 WHEN 'print_due' THEN 2 WHEN 'print_ordered' THEN 3
            WHEN 'printed' THEN 4 WHEN 'manual' THEN 5 WHEN 'closed' THEN 6 ELSE 0 END) AS stage_rank,
        max(s.reminders_sent) AS max_reminders, max(s.last_reminded_at) AS last_reminder
    FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id
    WHERE s.confidential AND s.state IN ('registered', 'accepted', 'available')
    GROUP BY u.sender_org_id, s.recipient_id
    WITH NO DATA;
CREATE UNIQUE INDEX unopened_by_recipient_key ON unopened_by_recipient (sender_org_id, recipient_id);
CREATE INDEX unopened_by_recipient_n ON unopened_by_recipient (n DESC, oldest, recipient_id);

CREATE MATERIALIZED VIEW unopened_by_unit AS
    SELECT s.sender_unit_id, count(*) AS n, min(s.sent_at) AS oldest,
        max(CASE s.stage WHEN 'reminded' THEN 1 WHEN 'print_due' THEN 2 WHEN 'print_ordered' THEN 3
            WHEN 'printed' THEN 4 WHEN 'manual' THEN 5 WHEN 'closed' THEN 6 ELSE 0 END) AS stage_rank,
        max(s.reminders_sent) AS max_reminders, max(s.last_reminded_at) AS last_reminder
    FROM shipments s
    WHERE s.confidential AND s.state IN ('registered', 'accepted', 'available')
    GROUP BY s.sender_unit_id
    WITH NO DATA;
CREATE UNIQUE INDEX unopened_by_unit_key ON unopened_by_unit (sender_unit_id);

-- When the rollups were last refreshed (one row).
CREATE TABLE list_rollups (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    refreshed_at timestamptz
);
INSERT INTO list_rollups (refreshed_at) VALUES (NULL);

-- +goose Down
DROP TABLE list_rollups;
DROP MATERIALIZED VIEW unopened_by_unit;
DROP MATERIALIZED VIEW unopened_by_recipient;
DROP INDEX shipments_recipient_sent;
DROP INDEX shipments_manual;
DROP INDEX shipments_problems;
DROP INDEX shipments_unopened_conf_unit;
DROP INDEX shipments_unopened_conf;
DROP TABLE followups;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE users;
