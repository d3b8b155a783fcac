-- +goose Up

-- A letter the channel answered about before (a channel status, a state
-- past registered, an entry of its log) that it now says it does not know
-- is not marked unknown_to_channel on that one answer: the poll makes it
-- the letter's error and notes here when the channel first said so. The
-- letter is marked only once the channel has kept saying so for the grace
-- (internal/poll, forgotten.go); any answer that knows it clears this.
-- Nullable without a default: no table rewrite.
ALTER TABLE poll_queue ADD COLUMN not_known_since timestamptz;

-- +goose Down
ALTER TABLE poll_queue DROP COLUMN not_known_since;
