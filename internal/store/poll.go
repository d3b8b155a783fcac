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
// and every shipment's next poll time. The writes are set-based (a few
// statements per batch, not per shipment), so a cycle over 100,000
// shipments is bound by the channel, not by the database.
func (s *Store) ApplyPoll(ctx context.Context, results []PollResult) (PollWrite, error) {
	var w PollWrite
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		w = PollWrite{}
		var changes, statuses, failures []*PollResult
		var events []Event
		for i := range results {
			r := &results[i]
			ev := Event{ShipmentID: r.ID, Source: r.Source, ObservedAt: r.ObservedAt, RawStatus: r.Status,
				Payload: jsonOrNil(r.Payload), FromState: string(r.Due.State)}
			switch {
			case r.Err != "":
				w.Errors++
				ev.Kind, ev.Message = EventPollError, r.Err
				events = append(events, ev)
				failures = append(failures, r)
			case r.State != r.Due.State:
				if err := model.CheckTransition(r.Due.State, r.State); err != nil {
					w.Refused++
					ev.Kind, ev.ToState, ev.Message = EventRejected, string(r.State), err.Error()+": not applied"
					events = append(events, ev)
					continue
				}
				changes = append(changes, r)
			case r.Status != r.Due.ChannelStatus:
				w.Statuses++
				ev.Kind, ev.ToState = EventStatus, string(r.State)
				events = append(events, ev)
				statuses = append(statuses, r)
			}
		}
		applied, err := applyChanges(ctx, tx, changes)
		if err != nil {
			return err
		}
		for _, r := range changes {
			if !applied[r.ID] {
				continue // changed meanwhile by someone else; the next poll sees it
			}
			w.Changed++
			events = append(events, Event{ShipmentID: r.ID, Kind: EventState, Source: r.Source, ObservedAt: changedAt(r),
				FromState: string(r.Due.State), ToState: string(r.State), RawStatus: r.Status, Payload: jsonOrNil(r.Payload)})
			if len(r.History) > 0 {
				events = append(events, Event{ShipmentID: r.ID, Kind: EventHistory, Source: r.Source,
					ObservedAt: r.ObservedAt, RawStatus: r.Status, Payload: jsonOrNil(r.History)})
			}
		}
		if err := applyStatuses(ctx, tx, statuses); err != nil {
			return err
		}
		if err := appendEvents(ctx, tx, events); err != nil {
			return err
		}
		// Changes not applied were made meanwhile by another worker (an
		// expired lease): that worker set their next poll; leave it.
		handled := make(map[string]bool, len(changes))
		for _, r := range changes {
			handled[r.ID] = true
		}
		return finishPolls(ctx, tx, results, failures, handled)
	})
	return w, err
}

func changedAt(r *PollResult) time.Time {
	if r.ChangedAt.IsZero() {
		return r.ObservedAt
	}
	return r.ChangedAt
}

// applyChanges applies state changes whose shipment is still in the state
// the poll started from, and returns the ids it changed.
func applyChanges(ctx context.Context, tx *sqlx.Tx, changes []*PollResult) (map[string]bool, error) {
	applied := map[string]bool{}
	if len(changes) == 0 {
		return applied, nil
	}
	n := len(changes)
	ids, prev, states, statuses, closed := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at, next := make([]*time.Time, n), make([]*time.Time, n)
	for i, r := range changes {
		t := changedAt(r)
		ids[i], prev[i], states[i], statuses[i], closed[i], at[i], next[i] = r.ID, string(r.Due.State), string(r.State), r.Status, r.Closed, &t, r.NextPollAt
	}
	rows, err := tx.QueryContext(ctx, `UPDATE shipments s SET state = u.state, state_changed_at = u.at,
			channel_status = u.status, poll_failures = 0, next_poll_at = u.next,
			available_at = CASE WHEN u.state IN ('available', 'opened') THEN COALESCE(s.available_at, u.at) ELSE s.available_at END,
			stage = CASE WHEN u.closed <> '' AND s.stage IN (`+sqlChannelMayEnd+`) THEN u.closed ELSE s.stage END,
			-- A failed letter needs paper at once: the next escalation run
			-- looks at it (migration 00013). Other changes only delay steps.
			next_step_at = CASE WHEN u.state = `+sqlState(model.StateFailed)+` THEN `+sqlLookAtOnce+` ELSE s.next_step_at END
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::timestamptz[])
			AS u(id, prev, state, at, status, closed, next)
		WHERE s.id = u.id AND s.state = u.prev
		RETURNING s.id`,
		pq.Array(ids), pq.Array(prev), pq.Array(states), pq.Array(timesOrNull(at)), pq.Array(statuses), pq.Array(closed),
		pq.Array(timesOrNull(next)))
	if err != nil {
		return nil, fmt.Errorf("apply state changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("apply state changes: %w", err)
		}
		applied[id] = true
	}
	return applied, rows.Err()
}

// applyStatuses records raw status changes that keep the state.
func applyStatuses(ctx context.Context, tx *sqlx.Tx, rs []*PollResult) error {
	if len(rs) == 0 {
		return nil
	}
	ids, prev, statuses, closed := make([]string, len(rs)), make([]string, len(rs)), make([]string, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		ids[i], prev[i], statuses[i], closed[i] = r.ID, r.Due.ChannelStatus, r.Status, r.Closed
	}
	_, err := tx.ExecContext(ctx, `UPDATE shipments s SET channel_status = u.status, poll_failures = 0,
			stage = CASE WHEN u.closed <> '' AND s.stage IN (`+sqlChannelMayEnd+`) THEN u.closed ELSE s.stage END
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, prev, status, closed)
		WHERE s.id = u.id AND s.channel_status = u.prev`, pq.Array(ids), pq.Array(prev), pq.Array(statuses), pq.Array(closed))
	if err != nil {
		return fmt.Errorf("record status changes: %w", err)
	}
	return nil
}

// finishPolls sets the next poll and the failure count (one more for an
// unusable answer, zero otherwise) of every polled shipment that
// applyChanges did not already update.
func finishPolls(ctx context.Context, tx *sqlx.Tx, results []PollResult, failures []*PollResult, done map[string]bool) error {
	failed := make(map[string]bool, len(failures))
	for _, r := range failures {
		failed[r.ID] = true
	}
	var ids []string
	var next []*time.Time
	var fail []bool
	for i := range results {
		if done[results[i].ID] {
			continue
		}
		ids, next, fail = append(ids, results[i].ID), append(next, results[i].NextPollAt), append(fail, failed[results[i].ID])
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE shipments s SET next_poll_at = u.next,
			poll_failures = CASE WHEN u.failed THEN s.poll_failures + 1 ELSE 0 END
		FROM unnest($1::uuid[], $2::timestamptz[], $3::boolean[]) AS u(id, next, failed)
		WHERE s.id = u.id`, pq.Array(ids), pq.Array(timesOrNull(next)), pq.Array(fail))
	if err != nil {
		return fmt.Errorf("set next poll times: %w", err)
	}
	return nil
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
