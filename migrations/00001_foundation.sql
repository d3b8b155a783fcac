-- +goose Up

-- Sender organisations: a deployment may serve several municipalities.
CREATE TABLE sender_orgs (
    id         bigserial PRIMARY KEY,
    orgnr      text NOT NULL UNIQUE,
    name       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Sending units (e.g. "Barnevernstjenesten") inside a sender organisation.
CREATE TABLE sender_units (
    id            bigserial PRIMARY KEY,
    sender_org_id bigint NOT NULL REFERENCES sender_orgs(id),
    name          text NOT NULL,
    manager_email text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sender_org_id, name)
);

-- Receiving organisations (kind org: organisation number / CVR) and citizens
-- (kind person: a personal id, shown masked everywhere but the evidence).
CREATE TABLE recipients (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('org', 'person')),
    ident      text NOT NULL,
    name       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, ident)
);

CREATE TABLE shipments (
    -- ids are UUIDv7 (time-ordered) made by postvakt, so inserts append to the index
    id               uuid PRIMARY KEY,
    channel          text NOT NULL,
    channel_id       text NOT NULL,
    sender_unit_id   bigint NOT NULL REFERENCES sender_units(id),
    recipient_id     bigint NOT NULL REFERENCES recipients(id),
    title            text NOT NULL,
    confidential     boolean NOT NULL,
    class            text NOT NULL,
    sent_at          timestamptz NOT NULL,
    state            text NOT NULL DEFAULT 'registered'
                     CHECK (state IN ('registered', 'accepted', 'available', 'opened', 'rejected', 'failed', 'expired')),
    state_changed_at timestamptz NOT NULL DEFAULT now(),
    available_at     timestamptz,
    channel_status   text NOT NULL DEFAULT '',
    -- escalation stage from the policy: none, reminded, print_ordered, printed, manual, closed
    stage            text NOT NULL DEFAULT 'none',
    reminders_sent   integer NOT NULL DEFAULT 0,
    next_poll_at     timestamptz DEFAULT now(),
    poll_failures    integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel, channel_id)
);

-- "Unopened per receiving organisation" and "per sending unit".
CREATE INDEX shipments_open_by_recipient ON shipments (recipient_id, sent_at)
    WHERE state IN ('registered', 'accepted', 'available');
CREATE INDEX shipments_by_unit ON shipments (sender_unit_id, state, sent_at);
-- The poller's work queue: due, not final.
CREATE INDEX shipments_due_poll ON shipments (channel, next_poll_at)
    WHERE next_poll_at IS NOT NULL;
-- Keyset paging, newest first.
CREATE INDEX shipments_sent_id ON shipments (sent_at DESC, id DESC);

-- The evidence: every change to a shipment, append-only.
CREATE TABLE shipment_events (
    id          bigserial PRIMARY KEY,
    shipment_id uuid NOT NULL REFERENCES shipments(id),
    kind        text NOT NULL,
    source      text NOT NULL,
    actor       text NOT NULL DEFAULT '',
    observed_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    from_state  text NOT NULL DEFAULT '',
    to_state    text NOT NULL DEFAULT '',
    raw_status  text NOT NULL DEFAULT '',
    payload     jsonb,
    message     text NOT NULL DEFAULT ''
);
CREATE INDEX shipment_events_shipment ON shipment_events (shipment_id, id);
CREATE INDEX shipment_events_recorded ON shipment_events (recorded_at);

-- The database itself refuses to change or remove evidence. Only the
-- retention purge may delete, and it says so with
-- SET LOCAL postvakt.retention_purge = 'on' inside its transaction.
-- +goose StatementBegin
CREATE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('postvakt.retention_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER shipment_events_append_only
    BEFORE UPDATE OR DELETE ON shipment_events
    FOR EACH ROW EXECUTE FUNCTION refuse_evidence_change();

-- +goose StatementBegin
CREATE FUNCTION refuse_evidence_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE on % is not allowed: the table is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER shipment_events_no_truncate
    BEFORE TRUNCATE ON shipment_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_evidence_truncate();

-- API tokens; only a SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('admin', 'compliance', 'unit', 'operations')),
    sender_org text NOT NULL DEFAULT '',
    unit       text NOT NULL DEFAULT '',
    hash       bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE shipment_events;
DROP FUNCTION refuse_evidence_truncate();
DROP FUNCTION refuse_evidence_change();
DROP TABLE shipments;
DROP TABLE recipients;
DROP TABLE sender_units;
DROP TABLE sender_orgs;
