-- +goose Up

-- A claimed reminder or notice whose message was certainly never handed to
-- the mail server: set by the claim, cleared just before the send (by the
-- run that claimed it, and only while its claim holds). When the claiming
-- run dies (a crash, kill -9) before its turn came, the lease's expiry makes
-- such a row failed, so the next run sends it; a row whose send had begun
-- becomes unknown, as before, and is never sent again blindly. A binary from
-- before this migration never sets it: its rows stay on the safe side.
ALTER TABLE notifications ADD COLUMN untried boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE notifications DROP COLUMN untried;
