-- +goose Up

-- Watching the watchers (internal/health, internal/store/health.go).

-- What each channel's calls came to, written by the poller once per batch
-- (internal/store/activity.go): the last call, the last answered call, the
-- last failed one, and the last status change the channel reported (its own
-- change time). The clock is the poller's, so a test that walks a scenario
-- through simulated days sees simulated times here.
CREATE TABLE channel_activity (
    channel        text PRIMARY KEY,
    last_call_at   timestamptz,
    last_ok_at     timestamptz,
    last_error_at  timestamptz,
    last_error     text NOT NULL DEFAULT '',
    last_change_at timestamptz
);

-- Calls per channel and minute: how many, how many failed, how long they
-- took, how many state changes they brought. The health rule
-- channel_silent and the operations page read the last hour; the health
-- evaluation deletes minutes older than a week.
CREATE TABLE channel_calls (
    channel        text NOT NULL,
    minute         timestamptz NOT NULL,
    calls          integer NOT NULL DEFAULT 0,
    errors         integer NOT NULL DEFAULT 0,
    latency_ms_sum bigint NOT NULL DEFAULT 0,
    latency_ms_max integer NOT NULL DEFAULT 0,
    changes        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, minute)
);

-- Health alerts, the Alertmanager model: an alert is a rule and its labels
-- (fingerprint: a hash of both). At most one alert per fingerprint fires at
-- a time; a resolved one stays as history, and the condition coming back
-- is a new alert. selector says which letters the alert is about (for the
-- e-mail and the incident report); affected is how many there were at the
-- last evaluation. An inhibited alert (another alert explains it, e.g. a
-- silent channel explains its stuck letters) keeps firing but is not
-- notified while inhibited.
CREATE TABLE health_alerts (
    id          bigserial PRIMARY KEY,
    fingerprint text NOT NULL,
    rule        text NOT NULL,
    labels      jsonb NOT NULL,
    severity    text NOT NULL,
    status      text NOT NULL CHECK (status IN ('firing', 'resolved')),
    inhibited   boolean NOT NULL DEFAULT false,
    affected    integer NOT NULL,
    summary     text NOT NULL DEFAULT '',
    selector    jsonb NOT NULL,
    started_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    resolved_at timestamptz
);
CREATE UNIQUE INDEX health_alerts_one_firing ON health_alerts (fingerprint) WHERE status = 'firing';
CREATE INDEX health_alerts_recent ON health_alerts (started_at DESC, id DESC);

-- The alert notification log, like the reminders' (migration 00003): one
-- row per message to one destination ("email:<address>" or "webhook"),
-- committed as pending before it is sent and marked sent, failed or unknown
-- after. A pending row left by a crash becomes unknown after a lease and is
-- never sent again, so a restart or a second replica never sends an alert
-- twice. payload is what was sent (the webhook's JSON, or the e-mail's
-- subject and recipients).
CREATE TABLE health_notices (
    id          bigserial PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    destination text NOT NULL,
    rule        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unknown', 'superseded')),
    payload     jsonb,
    attempts    integer NOT NULL DEFAULT 1,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    claimed_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX health_notices_pending ON health_notices (claimed_at) WHERE status = 'pending';

-- Which alert transition a notice tells of: the alert's seq-th notification
-- to that destination (firing, a repeat, or resolved). A transition is
-- active in at most one notice, so none goes out twice.
CREATE TABLE health_notice_items (
    notice_id   bigint NOT NULL REFERENCES health_notices(id),
    alert_id    bigint NOT NULL REFERENCES health_alerts(id),
    destination text NOT NULL,
    seq         integer NOT NULL CHECK (seq >= 1),
    transition  text NOT NULL CHECK (transition IN ('firing', 'resolved')),
    active      boolean NOT NULL DEFAULT true,
    PRIMARY KEY (notice_id, alert_id)
);
CREATE UNIQUE INDEX health_notice_items_once ON health_notice_items (alert_id, destination, seq) WHERE active;
CREATE INDEX health_notice_items_alert ON health_notice_items (alert_id, destination, seq DESC);

-- +goose Down
DROP TABLE health_notice_items;
DROP TABLE health_notices;
DROP TABLE health_alerts;
DROP TABLE channel_calls;
DROP TABLE channel_activity;
