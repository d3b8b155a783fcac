-- +goose Up

-- A claimed reminder or notice whose message was certainly never handed to
-- the mail server: the claim sets untried_claim to its claimed_at, and the
-- run that claimed it clears it just before the send (only while its claim
-- holds). When the claiming run dies (a crash, kill -9) before its turn
-- came, the lease's expiry makes such a row failed, so the next run sends
-- it; a row whose send had begun becomes unknown, as before, and is never
-- sent again blindly. The marker names its claim: a claim by a binary from
-- before this migration (a rolling deploy, a rollback) sets a new
-- claimed_at and leaves the marker alone, so its rows stay on the safe
-- side (unknown), whatever marker an earlier claim left.
--
-- Numbered 00023: the number 00022 was used for a few hours on 2026-11-30
-- by a migration since folded into 00021, so a database migrated then
-- records version 22 and would skip a new 00022.
ALTER TABLE notifications ADD COLUMN untried_claim timestamptz;

-- +goose Down
ALTER TABLE notifications DROP COLUMN untried_claim;
