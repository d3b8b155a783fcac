-- +goose Up

-- A letter whose status changed while the channel's history of it could
-- not be fetched (an error, or no answer within the batch's time for
-- histories): the poll keeps the change, notes the missing history in the
-- evidence, and asks for the history again at the letter's next poll,
-- even when its state is final. A constant default: no table rewrite.
ALTER TABLE poll_queue ADD COLUMN history_due boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE poll_queue DROP COLUMN history_due;
