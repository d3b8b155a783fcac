-- +goose Up

-- Close every loop (issue 15).

-- Sending units: who hears of a follow-up. contact_email is the unit's own
-- address (the caseworkers' shared inbox), manager_email (00001) its
-- manager; both set in the admin UI or by `postvakt units import`.
ALTER TABLE sender_units ADD COLUMN contact_email text NOT NULL DEFAULT '';

-- Users' e-mail addresses: where escalation.to's roles (compliance, admin,
-- operations, unit) and the compliance digest go.
ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';

-- The notification log carries more than reminders: follow-up mails to
-- sending units, the compliance digest and escalation notices (held print
-- batch, manual handling, failed or rejected letters). kind says which;
-- orgnr is then the notice's group (a unit, an address). What a notice
-- lists are refs in notification_notices: a (group, ref) pair is active in
-- at most one notification, as a reminder's (shipment, reminder) pair is in
-- notification_items, so each step goes out exactly once.
ALTER TABLE notifications ADD COLUMN kind text NOT NULL DEFAULT 'reminder'
    CHECK (kind IN ('reminder', 'followup_due', 'followup_overdue', 'compliance_digest', 'escalation'));
CREATE TABLE notification_notices (
    notification_id bigint NOT NULL REFERENCES notifications(id),
    grp             text NOT NULL,
    ref             text NOT NULL,
    shipment_id     uuid REFERENCES shipments(id),
    active          boolean NOT NULL DEFAULT true,
    PRIMARY KEY (notification_id, ref)
);
CREATE UNIQUE INDEX notification_notices_once ON notification_notices (grp, ref) WHERE active;
CREATE INDEX notification_notices_shipment ON notification_notices (shipment_id) WHERE shipment_id IS NOT NULL;

-- Catching up on a backlog: when the escalation first met a letter already
-- past its print window (back-fill, history import, a new policy), it
-- follows the policy's catch_up rule from then on.
ALTER TABLE shipments ADD COLUMN catch_up_at timestamptz;

-- Retention: when a letter's personal data was purged (title, recipient,
-- notes, addresses). The row itself stays for the statistics.
ALTER TABLE shipments ADD COLUMN purged_at timestamptz;
CREATE INDEX shipments_retention ON shipments (sent_at) WHERE purged_at IS NULL;

-- The audit log also records whose data was seen or changed (the sending
-- organisation of the shipment or list), so a compliance officer sees an
-- unscoped admin's views of their organisation's data too.
ALTER TABLE audit_log ADD COLUMN subject_org text NOT NULL DEFAULT '';
CREATE INDEX audit_log_subject_org ON audit_log (subject_org, id DESC) WHERE subject_org <> '';

-- The retention purge may also anonymise evidence in place (never change
-- it otherwise): UPDATE is allowed, like DELETE, only inside the purge's
-- transaction (SET LOCAL postvakt.retention_purge = 'on').
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('postvakt.retention_purge', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('postvakt.retention_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
DROP INDEX audit_log_subject_org;
ALTER TABLE audit_log DROP COLUMN subject_org;
DROP INDEX shipments_retention;
ALTER TABLE shipments DROP COLUMN purged_at, DROP COLUMN catch_up_at;
DROP TABLE notification_notices;
ALTER TABLE notifications DROP COLUMN kind;
ALTER TABLE users DROP COLUMN email;
ALTER TABLE sender_units DROP COLUMN contact_email;
