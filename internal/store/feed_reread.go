package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
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
}

// FeedReread returns where a feed channel's re-read stands; ok is false
// when none was ever counted (FinishFeedReread starts the count).
func (s *Store) FeedReread(ctx context.Context, channel string) (r FeedReread, ok bool, err error) {
	var row struct {
		From     sql.NullTime `db:"span_from"`
		To       sql.NullTime `db:"span_to"`
		Reached  sql.NullTime `db:"reached"`
		Finished time.Time    `db:"finished_at"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT span_from, span_to, reached, finished_at FROM feed_rereads WHERE channel = $1`, channel)
	if errors.Is(err, sql.ErrNoRows) {
		return FeedReread{}, false, nil
	}
	if err != nil {
		return FeedReread{}, false, fmt.Errorf("read where the %s re-read stands: %w", channel, err)
	}
	return FeedReread{From: row.From.Time, To: row.To.Time, Reached: row.Reached.Time, FinishedAt: row.Finished}, true, nil
}

// StartFeedReread starts a re-read of the channel's log over [from, to];
// its progress (FeedApply.Reread) starts from nothing.
func (s *Store) StartFeedReread(ctx context.Context, channel string, from, to time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE feed_rereads SET span_from = $2, span_to = $3, reached = NULL WHERE channel = $1`,
		channel, from, to)
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
