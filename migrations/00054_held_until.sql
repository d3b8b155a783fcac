-- +goose Up

-- When the channel publishes a letter the sender asked to be published
-- later (Altinn's requestedPublishTime of a correspondence still
-- ReadyForPublish), as the poll last read it: the letter waits for its
-- recipient from then, not from its sending, so its reminders and print
-- count from then (store.OpenShipment.Since). Nullable: an older binary
-- neither sets nor reads it, and a letter held by no one has none.
ALTER TABLE shipments ADD COLUMN held_until timestamptz;

-- +goose Down
ALTER TABLE shipments DROP COLUMN held_until;
