-- +goose Up

-- Reminder addresses from two sources (internal/store/contacts.go):
--   import          `postvakt contacts import` (and the API): always wins
--   altinn-profile  looked up through Altinn Profile's notification
--                   addresses for organisations without imported ones,
--                   reused for a TTL (fetched_at)
-- The same address may come from both, so the source is part of the key.
ALTER TABLE org_contacts ADD COLUMN fetched_at timestamptz;
ALTER TABLE org_contacts DROP CONSTRAINT org_contacts_pkey;
ALTER TABLE org_contacts ADD PRIMARY KEY (orgnr, source, email);

-- When Altinn Profile was last asked about an organisation, and how many
-- e-mail addresses it gave: an answer without addresses is cached too, so an
-- organisation without any is not asked again on every run.
CREATE TABLE contact_lookups (
    orgnr      text PRIMARY KEY,
    source     text NOT NULL DEFAULT 'altinn-profile',
    addresses  integer NOT NULL,
    fetched_at timestamptz NOT NULL
);

-- Reminders also ordered through Altinn Notifications (where configured):
-- the order request is kept (it holds references, never a title) so that a
-- failed or interrupted order is placed again with the same idempotencyId
-- (Altinn answers the same order), and the answer's notificationOrderId.
ALTER TABLE notifications
    ADD COLUMN order_request  jsonb,
    ADD COLUMN order_id       text NOT NULL DEFAULT '',
    ADD COLUMN order_error    text NOT NULL DEFAULT '',
    ADD COLUMN order_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN ordered_at     timestamptz;
CREATE INDEX notifications_order_open ON notifications (id)
    WHERE order_request IS NOT NULL AND order_id = '';

-- +goose Down
DROP INDEX notifications_order_open;
ALTER TABLE notifications DROP COLUMN ordered_at, DROP COLUMN order_attempts, DROP COLUMN order_error,
    DROP COLUMN order_id, DROP COLUMN order_request;
DROP TABLE contact_lookups;
DELETE FROM org_contacts WHERE source <> 'import';
ALTER TABLE org_contacts DROP CONSTRAINT org_contacts_pkey;
ALTER TABLE org_contacts ADD PRIMARY KEY (orgnr, email);
ALTER TABLE org_contacts DROP COLUMN fetched_at;
