-- +goose Up

-- A claimed reminder or notice whose message was certainly never handed to
-- the mail server: set by the claim, cleared just before the send (by the
-- run that claimed it, and only while its claim holds). When the claiming
-- run dies (a crash, kill -9) before its turn came, the lease's expiry makes
-- such a row failed, so the next run sends it; a row whose send had begun
-- becomes unknown, as before, and is never sent again blindly. A binary from
-- before this migration never sets it: its rows stay on the safe side.
--
-- Numbered 00023: the number 00022 was used for a few hours on 2026-11-30
-- by a migration since folded into 00021, so a database migrated then
-- records version 22 and would skip a new 00022. (IF NOT EXISTS: for a
-- scratch database that ran this migration under that number.)
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS untried boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE notifications DROP COLUMN IF EXISTS untried;
