-- +goose Up

-- Escalation bookkeeping on the shipment itself, so one streaming pass over
-- the open shipments has every fact a policy needs:
--   escalation_step   the last step decided for the shipment ("reminder 1",
--                     "print"); a decision event is written only when it
--                     changes, so a run every few minutes does not repeat it.
--   last_reminded_at  when the last reminder was sent (the escalation run's
--                     clock); the next reminder counts from it.
ALTER TABLE shipments
    ADD COLUMN escalation_step  text NOT NULL DEFAULT '',
    ADD COLUMN last_reminded_at timestamptz;

-- The escalation run's stream: open shipments that may still need a step,
-- walked by recipient (keyset), so one organisation's shipments come
-- together. The predicate must equal the one in internal/store/escalation.go.
CREATE INDEX shipments_escalation ON shipments (recipient_id, sent_at, id)
    WHERE state IN ('registered', 'accepted', 'available') AND stage IN ('none', 'reminded');

-- Where reminders to a receiving organisation go: organisation number
-- (Norwegian orgnr or Danish CVR) → e-mail addresses. Filled by
-- `postvakt contacts import FILE.csv`.
CREATE TABLE org_contacts (
    orgnr      text NOT NULL,
    email      text NOT NULL,
    source     text NOT NULL DEFAULT 'import',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (orgnr, email)
);

-- The notification log: one row per reminder message to one organisation.
-- A row is committed as 'pending' before the SMTP send and marked 'sent' in
-- the same transaction that counts the reminder on its shipments, so:
--   pending     claimed, being sent; left behind by a crash it turns into
--               'unknown' after the lease and is never sent again blindly
--   sent        delivered to the SMTP server (the server said 250 to DATA)
--   failed      the SMTP server refused or could not be reached before the
--               message was handed over: retried by the next run
--   unknown     the outcome cannot be known (crash, or the connection broke
--               after the message was handed over): listed for the
--               compliance officer, never re-sent
--   no_address  the organisation has no e-mail address: listed for the
--               compliance officer; sent once an address exists
--   superseded  a failed / no_address row replaced by a message with a
--               different set of shipments
-- key is a SHA-256 over the organisation, the sorted shipment ids and their
-- reminder numbers; the SMTP Message-ID is made from it.
CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    orgnr       text NOT NULL,
    channel     text NOT NULL DEFAULT 'email',
    status      text NOT NULL
                CHECK (status IN ('pending', 'sent', 'failed', 'unknown', 'no_address', 'superseded')),
    recipients  text[] NOT NULL DEFAULT '{}',
    message_id  text NOT NULL DEFAULT '',
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    claimed_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX notifications_open ON notifications (status, claimed_at)
    WHERE status IN ('pending', 'unknown', 'no_address', 'failed');
CREATE INDEX notifications_org ON notifications (orgnr, id);

-- Which shipment, with which reminder number, a notification lists. A
-- (shipment, reminder) pair is active in at most one notification, so no
-- reminder can go out twice under two different shipment sets.
CREATE TABLE notification_items (
    notification_id bigint NOT NULL REFERENCES notifications(id),
    shipment_id     uuid NOT NULL REFERENCES shipments(id),
    reminder        integer NOT NULL CHECK (reminder >= 1),
    active          boolean NOT NULL DEFAULT true,
    PRIMARY KEY (notification_id, shipment_id)
);
CREATE UNIQUE INDEX notification_items_once ON notification_items (shipment_id, reminder) WHERE active;

-- For the compliance officer: organisations that could not be reminded
-- because they have no address, with how many reminders wait.
CREATE VIEW notifications_no_address AS
    SELECT n.orgnr, n.id AS notification_id, n.claimed_at, count(i.shipment_id) AS shipments
    FROM notifications n JOIN notification_items i ON i.notification_id = n.id AND i.active
    WHERE n.status = 'no_address'
    GROUP BY n.orgnr, n.id, n.claimed_at;

-- +goose Down
DROP VIEW notifications_no_address;
DROP TABLE notification_items;
DROP TABLE notifications;
DROP TABLE org_contacts;
DROP INDEX shipments_escalation;
ALTER TABLE shipments DROP COLUMN last_reminded_at, DROP COLUMN escalation_step;
