-- +goose Up

-- A channel call that failed as a whole (network, 5xx after retries, an HTML
-- error page, malformed JSON): the shipments it was about keep their state and
-- are polled again later; the raw answer is kept here as evidence.
CREATE TABLE poll_errors (
    id          bigserial PRIMARY KEY,
    channel     text NOT NULL,
    occurred_at timestamptz NOT NULL,
    shipments   integer NOT NULL,
    error       text NOT NULL,
    raw         text NOT NULL DEFAULT ''
);
CREATE INDEX poll_errors_channel ON poll_errors (channel, occurred_at DESC);

-- +goose Down
DROP TABLE poll_errors;
