-- +goose Up
-- The evidence log and the audit log are append-only: the retention purge
-- may delete rows (its transaction sets postvakt.retention_purge), but
-- nothing may rewrite one in place, not even under that flag (00015 let
-- it; the purge never updates). A trigger of its own refuses every UPDATE
-- before refuse_evidence_change() is asked.
-- +goose StatementBegin
CREATE FUNCTION refuse_evidence_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'UPDATE on % is not allowed: the table is append-only (the retention purge only deletes)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
-- Row triggers fire in name order: "a…_rewrite" before "…_append_only".
CREATE TRIGGER shipment_events_a_no_rewrite BEFORE UPDATE ON shipment_events
    FOR EACH ROW EXECUTE FUNCTION refuse_evidence_rewrite();
CREATE TRIGGER audit_log_a_no_rewrite BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_evidence_rewrite();

-- +goose Down
DROP TRIGGER audit_log_a_no_rewrite ON audit_log;
DROP TRIGGER shipment_events_a_no_rewrite ON shipment_events;
DROP FUNCTION refuse_evidence_rewrite();
