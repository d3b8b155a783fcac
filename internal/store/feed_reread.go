package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// FeedReread is where a feed channel's wide re-read stands (migration
// 00040; internal/poll, reread.go).
type FeedReread struct {
	// From and To are the running re-read's span of created times; a zero
	// From: none is running.
	From, To time.Time
	// Reached is the latest created time the running re-read has read
	// (zero: none yet); it goes on from there.
	Reached time.Time
	// FinishedAt is when the last re-read finished (or when the channel's
	// re-reads were first counted from).
	FinishedAt time.Time
	// Wanted is how far back the next re-read must reach (WantFeedReread);
	// zero when nothing asked.
	Wanted time.Time
}

// FeedReread returns where a feed channel's re-read stands; ok is false
// when none was ever counted (FinishFeedReread starts the count).
func (s *Store) FeedReread(ctx context.Context, channel string) (r FeedReread, ok bool, err error) {
	var row struct {
		From     sql.NullTime `db:"span_from"`
		To       sql.NullTime `db:"span_to"`
		Reached  sql.NullTime `db:"reached"`
		Finished time.Time    `db:"finished_at"`
		Wanted   sql.NullTime `db:"wanted_from"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT span_from, span_to, reached, finished_at, wanted_from FROM feed_rereads WHERE channel = $1`, channel)
	if errors.Is(err, sql.ErrNoRows) {
		return FeedReread{}, false, nil
	}
	if err != nil {
		return FeedReread{}, false, fmt.Errorf("read where the %s re-read stands: %w", channel, err)
	}
	return FeedReread{From: row.From.Time, To: row.To.Time, Reached: row.Reached.Time, FinishedAt: row.Finished, Wanted: row.Wanted.Time}, true, nil
}

// StartFeedReread starts a re-read of the channel's log over [from, to];
// its progress (FeedApply.Reread) starts from nothing. A reach asked for
// (WantFeedReread) that from covers is cleared.
func (s *Store) StartFeedReread(ctx context.Context, channel string, from, to time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE feed_rereads SET span_from = $2, span_to = $3, reached = NULL,
			wanted_from = CASE WHEN wanted_from >= $2 THEN NULL ELSE wanted_from END
		WHERE channel = $1`, channel, from, to)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = errors.New("no re-read was counted for it yet")
		}
	}
	if err != nil {
		return fmt.Errorf("start a re-read of the %s log: %w", channel, err)
	}
	return nil
}

// FinishFeedReread notes that the channel's re-read finished at at (none
// running any more); for a channel without one, it starts the count: the
// first re-read is due an interval after at.
func (s *Store) FinishFeedReread(ctx context.Context, channel string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO feed_rereads (channel, finished_at) VALUES ($1, $2)
		ON CONFLICT (channel) DO UPDATE SET span_from = NULL, span_to = NULL, reached = NULL, finished_at = EXCLUDED.finished_at`,
		channel, at); err != nil {
		return fmt.Errorf("note the %s re-read finished: %w", channel, err)
	}
	return nil
}

// WantFeedReread asks the channel's next re-read to reach back to from at
// least, and to start at once (internal/poll, reread.go), for the letters
// shipmentIDs, whose own look-up the log refused: they are found only by
// reading the log again over their time. Each notes when it asked
// (poll_queue.reread_asked_at, kept from its first asking), in the same
// transaction. Asked again, the earliest from stands. For a channel whose
// re-reads were never counted, the count starts at at.
func (s *Store) WantFeedReread(ctx context.Context, channel string, from, at time.Time, shipmentIDs []string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO feed_rereads (channel, finished_at, wanted_from) VALUES ($1, $3, $2)
			ON CONFLICT (channel) DO UPDATE SET wanted_from = LEAST(COALESCE(feed_rereads.wanted_from, EXCLUDED.wanted_from), EXCLUDED.wanted_from)`,
			channel, from, at); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE poll_queue SET reread_asked_at = $2
			WHERE shipment_id = ANY($1::uuid[]) AND reread_asked_at IS NULL`, pq.Array(shipmentIDs), at)
		return err
	})
	if err != nil {
		return fmt.Errorf("ask the %s log to be read again from %s: %w", channel, from.UTC().Format(time.RFC3339), err)
	}
	return nil
}
