package store

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// ChannelCalls is what one poll batch's calls to a channel came to. The
// poller records it (poll.Options.Activity); the health rule
// channel_silent and the operations page read it.
type ChannelCalls struct {
	Channel    string
	At         time.Time     // the poller's clock when the batch's calls ended
	Calls      int           // calls made
	Errors     int           // calls that failed, but those failed only for one letter's record (poll's narrowing)
	Latency    time.Duration // the calls' time, summed
	MaxLatency time.Duration // the slowest call
	Changes    int           // state changes the batch brought
	// LastChange is the latest change time the channel gave among the
	// batch's status changes (its own time, else when postvakt saw it);
	// zero when the batch changed nothing.
	LastChange time.Time
	LastError  string // the last failed call's error, when Errors > 0
}

// RecordChannelCalls adds a batch's calls to its minute and to the
// channel's activity, in one statement.
func (s *Store) RecordChannelCalls(ctx context.Context, c ChannelCalls) error {
	if c.Calls == 0 && c.LastChange.IsZero() {
		return nil
	}
	var lastChange any
	if !c.LastChange.IsZero() {
		lastChange = c.LastChange
	}
	ok := c.Calls > c.Errors
	_, err := s.db.ExecContext(ctx, `WITH m AS (
			INSERT INTO channel_calls AS m (channel, minute, calls, errors, latency_ms_sum, latency_ms_max, changes)
			VALUES ($1, date_trunc('minute', $2::timestamptz), $3, $4, $5, $6, $7)
			ON CONFLICT (channel, minute) DO UPDATE SET calls = m.calls + EXCLUDED.calls,
				errors = m.errors + EXCLUDED.errors, latency_ms_sum = m.latency_ms_sum + EXCLUDED.latency_ms_sum,
				latency_ms_max = GREATEST(m.latency_ms_max, EXCLUDED.latency_ms_max), changes = m.changes + EXCLUDED.changes
			RETURNING 1)
		INSERT INTO channel_activity AS a (channel, last_call_at, last_ok_at, last_error_at, last_error, last_change_at)
		VALUES ($1, $2, CASE WHEN $8 THEN $2::timestamptz END, CASE WHEN $4 > 0 THEN $2::timestamptz END, $9, $10)
		ON CONFLICT (channel) DO UPDATE SET
			last_call_at = GREATEST(a.last_call_at, EXCLUDED.last_call_at),
			last_ok_at = GREATEST(a.last_ok_at, EXCLUDED.last_ok_at),
			last_error_at = GREATEST(a.last_error_at, EXCLUDED.last_error_at),
			last_error = CASE WHEN EXCLUDED.last_error <> '' THEN EXCLUDED.last_error ELSE a.last_error END,
			last_change_at = GREATEST(a.last_change_at, EXCLUDED.last_change_at)`,
		c.Channel, c.At, c.Calls, c.Errors, c.Latency.Milliseconds(), c.MaxLatency.Milliseconds(), c.Changes,
		ok, trimError(c.LastError), lastChange)
	if err != nil {
		return fmt.Errorf("record %s calls: %w", c.Channel, err)
	}
	return nil
}

// trimError is a call's error fit for its column: cleaned (CleanText), at
// most 500 bytes, cut before a character, not inside one.
func trimError(s string) string {
	s = CleanText(s)
	if len(s) <= 500 {
		return s
	}
	i := 500
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// ChannelActivity is one channel's recent activity: the last call, answer,
// failure and status change, and the calls since a time.
type ChannelActivity struct {
	Channel      string     `db:"channel" json:"channel"`
	LastCallAt   *time.Time `db:"last_call_at" json:"last_call_at,omitempty"`
	LastOKAt     *time.Time `db:"last_ok_at" json:"last_ok_at,omitempty"`
	LastErrorAt  *time.Time `db:"last_error_at" json:"last_error_at,omitempty"`
	LastError    string     `db:"last_error" json:"last_error,omitempty"`
	LastChangeAt *time.Time `db:"last_change_at" json:"last_change_at,omitempty"`
	Calls        int        `db:"calls" json:"calls"`
	Errors       int        `db:"errors" json:"errors"`
	Changes      int        `db:"changes" json:"changes"`
	LatencySumMS int64      `db:"latency_ms_sum" json:"-"`
	LatencyMaxMS int        `db:"latency_ms_max" json:"-"`
}

// LatencyAvg is the calls' average duration (0 without calls).
func (a ChannelActivity) LatencyAvg() time.Duration {
	if a.Calls == 0 {
		return 0
	}
	return time.Duration(a.LatencySumMS/int64(a.Calls)) * time.Millisecond
}

// LatencyMax is the slowest call's duration.
func (a ChannelActivity) LatencyMax() time.Duration {
	return time.Duration(a.LatencyMaxMS) * time.Millisecond
}

// ChannelActivities returns every channel's activity with its calls in
// [since, until] (minutes), by channel.
func (s *Store) ChannelActivities(ctx context.Context, since, until time.Time) ([]ChannelActivity, error) {
	out := []ChannelActivity{}
	err := s.db.SelectContext(ctx, &out, `SELECT a.channel, a.last_call_at, a.last_ok_at, a.last_error_at, a.last_error,
			a.last_change_at, COALESCE(sum(m.calls), 0) AS calls, COALESCE(sum(m.errors), 0) AS errors,
			COALESCE(sum(m.changes), 0) AS changes, COALESCE(sum(m.latency_ms_sum), 0) AS latency_ms_sum,
			COALESCE(max(m.latency_ms_max), 0) AS latency_ms_max
		FROM channel_activity a
		LEFT JOIN channel_calls m ON m.channel = a.channel AND m.minute >= date_trunc('minute', $1::timestamptz)
			AND m.minute <= $2
		GROUP BY a.channel ORDER BY a.channel`, since, until)
	if err != nil {
		return nil, fmt.Errorf("read channel activity: %w", err)
	}
	return out, nil
}

// PruneChannelCalls deletes the call minutes before a time.
func (s *Store) PruneChannelCalls(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM channel_calls WHERE minute < $1`, before); err != nil {
		return fmt.Errorf("prune channel calls: %w", err)
	}
	return nil
}

// PollLag is, per channel, the next poll of the letter that has waited
// longest for it (nil when none is due at now), and its open letters by
// state.
type PollLag struct {
	Channel    string         `json:"channel"`
	OldestDue  *time.Time     `json:"oldest_due,omitempty"`
	Due        int            `json:"due"`
	OpenStates map[string]int `json:"open"`
}

// PollLags reads the poll lag and the open letters of every channel that
// has letters. The lag and the letters due are read from the poll queue
// itself, for every channel with a letter in it: a channel never polled
// (no channel_activity row: a fresh install, a poller that fails before
// its first call) or no longer configured shows its due letters too,
// rather than a lag of 0 that would silence the alert on it.
func (s *Store) PollLags(ctx context.Context, now time.Time) ([]PollLag, error) {
	var due []struct {
		Channel string     `db:"channel"`
		Oldest  *time.Time `db:"oldest"`
		N       int        `db:"n"`
	}
	// The channels of the queue by a skip scan of poll_queue_due (one
	// index probe per channel, as few as there are channels), and those
	// polled before; then one index range per channel for its due
	// letters: not a scan.
	if err := s.db.SelectContext(ctx, &due, `WITH RECURSIVE queued(channel) AS (
			(SELECT channel FROM poll_queue WHERE next_poll_at IS NOT NULL ORDER BY channel LIMIT 1)
			UNION ALL
			SELECT (SELECT q.channel FROM poll_queue q WHERE q.next_poll_at IS NOT NULL AND q.channel > queued.channel
				ORDER BY q.channel LIMIT 1)
			FROM queued WHERE queued.channel IS NOT NULL),
		c AS (SELECT channel FROM queued WHERE channel IS NOT NULL UNION SELECT channel FROM channel_activity)
		SELECT c.channel, d.oldest, d.n
		FROM c, LATERAL (SELECT min(next_poll_at) AS oldest, count(*) AS n FROM poll_queue q
			WHERE q.channel = c.channel AND q.next_poll_at <= $1) d
		ORDER BY c.channel`, now); err != nil {
		return nil, fmt.Errorf("read poll lag: %w", err)
	}
	var open []struct {
		Channel string `db:"channel"`
		State   string `db:"state"`
		N       int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &open, `SELECT channel, state, count(*) AS n FROM shipments
		WHERE state IN `+sqlOpenStates+` GROUP BY channel, state ORDER BY channel, state`); err != nil {
		return nil, fmt.Errorf("count open letters: %w", err)
	}
	idx := map[string]int{}
	var out []PollLag
	at := func(ch string) *PollLag {
		i, ok := idx[ch]
		if !ok {
			i = len(out)
			idx[ch] = i
			out = append(out, PollLag{Channel: ch, OpenStates: map[string]int{}})
		}
		return &out[i]
	}
	for _, d := range due {
		p := at(d.Channel)
		p.OldestDue, p.Due = d.Oldest, d.N
	}
	for _, o := range open {
		at(o.Channel).OpenStates[o.State] = o.N
	}
	return out, nil
}

// Count is how many rows of a kind are in a state.
type Count struct {
	Kind  string `db:"kind"`
	State string `db:"state"`
	N     int    `db:"n"`
}

// Notification statuses not sent nor superseded (the notifications_open
// index's), and print states of a decision still under way (received:
// placed, not yet confirmed printed).
var (
	OpenNotificationStatuses = []string{"pending", "failed", "unknown", "no_address"}
	OpenPrintStates          = []string{PrintStateLookup, PrintStateHeld, PrintStateQueued, PrintStateReceived, PrintStateFailed}
)

// OpenNotifications counts the notifications by kind and open status, a
// row for every pair (zero included): the notifications_open index, not
// the log of every message ever sent.
func (s *Store) OpenNotifications(ctx context.Context) ([]Count, error) {
	var out []Count
	if err := s.db.SelectContext(ctx, &out, `SELECT k.kind, st.state, count(n.id) AS n
		FROM unnest($1::text[]) AS k(kind) CROSS JOIN unnest($2::text[]) AS st(state)
		LEFT JOIN notifications n ON n.status = st.state AND n.kind = k.kind AND n.status = ANY($2::text[])
		GROUP BY k.kind, st.state ORDER BY 1, 2`, pq.Array(NotificationKinds), pq.Array(OpenNotificationStatuses)); err != nil {
		return nil, fmt.Errorf("count open notifications: %w", err)
	}
	return out, nil
}

// OpenPrintOrders counts the print decisions by open state, a row for
// every state (zero included).
func (s *Store) OpenPrintOrders(ctx context.Context) ([]Count, error) {
	var out []Count
	if err := s.db.SelectContext(ctx, &out, `SELECT 'print' AS kind, st.state, count(p.shipment_id) AS n
		FROM unnest($1::text[]) AS st(state) LEFT JOIN print_orders p ON p.state = st.state
		GROUP BY st.state ORDER BY 2`, pq.Array(OpenPrintStates)); err != nil {
		return nil, fmt.Errorf("count open print orders: %w", err)
	}
	return out, nil
}
