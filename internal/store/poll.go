package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Due is a shipment claimed for polling.
type Due struct {
	ID            string      `db:"id"`
	ChannelID     string      `db:"channel_id"`
	State         model.State `db:"state"`
	ChannelStatus string      `db:"channel_status"`
	SentAt        time.Time   `db:"sent_at"`
	PollFailures  int         `db:"poll_failures"`
}

// ClaimDue claims up to limit shipments of a channel whose next poll is due
// at now. The claim moves their next poll to now+lease, so another worker or
// replica does not take them in the same cycle, and a crashed worker's
// shipments come back after the lease. Rows locked by another claim are
// skipped, not waited for.
func (s *Store) ClaimDue(ctx context.Context, channel string, now time.Time, limit int, lease time.Duration) ([]Due, error) {
	var due []Due
	err := s.db.SelectContext(ctx, &due, `UPDATE shipments s SET next_poll_at = $3
		FROM (SELECT id FROM shipments
		      WHERE channel = $1 AND next_poll_at <= $2
		      ORDER BY next_poll_at LIMIT $4
		      FOR UPDATE SKIP LOCKED) d
		WHERE s.id = d.id
		RETURNING s.id, s.channel_id, s.state, s.channel_status, s.sent_at, s.poll_failures`,
		channel, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim due %s shipments: %w", channel, err)
	}
	return due, nil
}

// PollResult is what one poll learned about one claimed shipment, ready to
// be written. Source is the channel's name.
type PollResult struct {
	Due
	Source     string
	ObservedAt time.Time   // when postvakt asked
	Status     string      // the channel's raw status
	State      model.State // normalised; empty when Err is set
	Closed     string      // "channel_print" or "closed" when the status ends escalation
	ChangedAt  time.Time   // when the channel says the status changed; zero = unknown
	Payload    []byte      // raw status record (JSON)
	History    []byte      // raw history (JSON), when fetched
	Err        string      // this shipment's answer could not be used
	NextPollAt *time.Time  // nil: never again (final state)
}

// PollWrite says what writing one batch of results did.
type PollWrite struct {
	Changed  int // state changes applied
	Statuses int // raw status changes without a state change
	Refused  int // impossible transitions, logged, not applied
	Errors   int // per-shipment errors recorded
}

// ApplyPoll writes a batch of poll results in one transaction: state changes
// with their events, refused transitions and per-shipment errors as events,
// and every shipment's next poll time.
func (s *Store) ApplyPoll(ctx context.Context, results []PollResult) (PollWrite, error) {
	var w PollWrite
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		w = PollWrite{}
		ids := make([]string, 0, len(results))
		next := make([]*time.Time, 0, len(results))
		for i := range results {
			r := &results[i]
			if err := applyOne(ctx, tx, r, &w); err != nil {
				return err
			}
			ids = append(ids, r.ID)
			next = append(next, r.NextPollAt)
		}
		_, err := tx.ExecContext(ctx, `UPDATE shipments s SET next_poll_at = u.next
			FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, next)
			WHERE s.id = u.id`, pq.Array(ids), pq.Array(timesOrNull(next)))
		if err != nil {
			return fmt.Errorf("set next poll times: %w", err)
		}
		return nil
	})
	return w, err
}

func applyOne(ctx context.Context, tx *sqlx.Tx, r *PollResult, w *PollWrite) error {
	ev := Event{ShipmentID: r.ID, Source: r.Source, ObservedAt: r.ObservedAt, RawStatus: r.Status,
		Payload: jsonOrNil(r.Payload), FromState: string(r.Due.State)}
	switch {
	case r.Err != "":
		w.Errors++
		ev.Kind, ev.Message = EventPollError, r.Err
		if _, err := tx.ExecContext(ctx, `UPDATE shipments SET poll_failures = poll_failures + 1 WHERE id = $1`, r.ID); err != nil {
			return fmt.Errorf("count poll failure of %s: %w", r.ID, err)
		}
		return appendEvent(ctx, tx, ev)
	case r.State != r.Due.State:
		if err := model.CheckTransition(r.Due.State, r.State); err != nil {
			w.Refused++
			ev.Kind, ev.ToState, ev.Message = EventRejected, string(r.State), err.Error()+": not applied"
			return appendEvent(ctx, tx, ev)
		}
		changed := r.ChangedAt
		if changed.IsZero() {
			changed = r.ObservedAt
		}
		res, err := tx.ExecContext(ctx, `UPDATE shipments SET state = $2, state_changed_at = $3, channel_status = $4,
				available_at = CASE WHEN $2 IN ('available', 'opened') THEN COALESCE(available_at, $3) ELSE available_at END,
				stage = CASE WHEN $5 <> '' AND stage IN ('none', 'reminded', 'print_due') THEN $5 ELSE stage END,
				poll_failures = 0
			WHERE id = $1 AND state = $6`,
			r.ID, string(r.State), changed, r.Status, r.Closed, string(r.Due.State))
		if err != nil {
			return fmt.Errorf("change state of %s: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // changed meanwhile by someone else; the next poll sees it
		}
		w.Changed++
		ev.Kind, ev.ToState, ev.ObservedAt = EventState, string(r.State), changed
		if err := appendEvent(ctx, tx, ev); err != nil {
			return err
		}
		if len(r.History) > 0 {
			return appendEvent(ctx, tx, Event{ShipmentID: r.ID, Kind: EventHistory, Source: r.Source,
				ObservedAt: r.ObservedAt, RawStatus: r.Status, Payload: jsonOrNil(r.History)})
		}
		return nil
	case r.Status != r.Due.ChannelStatus:
		w.Statuses++
		if _, err := tx.ExecContext(ctx, `UPDATE shipments SET channel_status = $2, poll_failures = 0,
				stage = CASE WHEN $3 <> '' AND stage IN ('none', 'reminded', 'print_due') THEN $3 ELSE stage END
			WHERE id = $1`, r.ID, r.Status, r.Closed); err != nil {
			return fmt.Errorf("record status of %s: %w", r.ID, err)
		}
		ev.Kind, ev.ToState = EventStatus, string(r.State)
		return appendEvent(ctx, tx, ev)
	default:
		if r.Due.PollFailures > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE shipments SET poll_failures = 0 WHERE id = $1`, r.ID); err != nil {
				return fmt.Errorf("reset poll failures of %s: %w", r.ID, err)
			}
		}
		return nil
	}
}

// RecordPollError keeps a failed channel call as evidence and pushes the
// affected shipments' next poll out to retry.
func (s *Store) RecordPollError(ctx context.Context, channel string, at time.Time, ids []string, retry []time.Time, callErr error, raw string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO poll_errors (channel, occurred_at, shipments, error, raw)
			VALUES ($1, $2, $3, $4, $5)`, channel, at, len(ids), callErr.Error(), raw); err != nil {
			return fmt.Errorf("record poll error: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE shipments s SET next_poll_at = u.next, poll_failures = poll_failures + 1
			FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, next) WHERE s.id = u.id`,
			pq.Array(ids), pq.Array(timesOrNull(ptrs(retry))))
		if err != nil {
			return fmt.Errorf("reschedule after poll error: %w", err)
		}
		return nil
	})
}

// PollErrors counts recorded channel call failures since a time.
func (s *Store) PollErrors(ctx context.Context, channel string, since time.Time) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM poll_errors WHERE channel = $1 AND occurred_at >= $2`, channel, since)
	return n, err
}

// timesOrNull encodes times for a timestamptz[] parameter, nil as NULL.
func timesOrNull(ts []*time.Time) []sql.NullString {
	out := make([]sql.NullString, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = sql.NullString{String: t.UTC().Format(time.RFC3339Nano), Valid: true}
		}
	}
	return out
}

func ptrs(ts []time.Time) []*time.Time {
	out := make([]*time.Time, len(ts))
	for i := range ts {
		out[i] = &ts[i]
	}
	return out
}

func jsonOrNil(b []byte) JSON {
	if len(b) == 0 {
		return nil
	}
	return JSON(b)
}
