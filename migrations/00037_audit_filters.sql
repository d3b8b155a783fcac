-- +goose NO TRANSACTION
-- +goose Up

-- The audit log is filtered by actor ("who looked?"), by object ("who
-- looked at this letter / searched for this person?") and by action, and
-- paged newest first by id (store.AuditLog). Without these indexes a
-- filter that matches few entries reads the whole log backwards by id: a
-- sequential scan of the largest, ever-growing table. Each index ends in
-- id DESC, so a filtered page is read in order and stops at its limit.
-- They hold the first 200 characters (store.auditKeyLen): an object or an
-- actor is partly what someone typed (a path, a login name), and an entry
-- too long for a btree row would fail its write, and the page with it.
-- The date range needs none beyond audit_log_at (00005). CONCURRENTLY,
-- outside a transaction: a plain CREATE INDEX would hold every audit write
-- (every page view) while it reads the log; a build that fails half-way
-- leaves an invalid index, which IF NOT EXISTS would keep, so it is
-- dropped first (as 00031 does).
DROP INDEX CONCURRENTLY IF EXISTS audit_log_actor;
CREATE INDEX CONCURRENTLY audit_log_actor ON audit_log (left(actor, 200), id DESC);
DROP INDEX CONCURRENTLY IF EXISTS audit_log_object;
CREATE INDEX CONCURRENTLY audit_log_object ON audit_log (left(object, 200), id DESC);
DROP INDEX CONCURRENTLY IF EXISTS audit_log_action;
CREATE INDEX CONCURRENTLY audit_log_action ON audit_log (left(action, 200), id DESC);

-- +goose Down
DROP INDEX CONCURRENTLY audit_log_action;
DROP INDEX CONCURRENTLY audit_log_object;
DROP INDEX CONCURRENTLY audit_log_actor;
