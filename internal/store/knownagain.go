package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// knownRow is a shipment whose unknown_to_channel mark a statement just
// cleared, as it is after that statement, with the time of the latest
// entry of the channel's own log kept for it (a feed channel's; nil for
// none).
type knownRow struct {
	ID     string     `db:"id"`
	State  string     `db:"state"`
	Status string     `db:"channel_status"`
	LogAt  *time.Time `db:"log_at"`
}

// clearUnknown clears the unknown_to_channel mark of those of ids ($1)
// still marked (and meeting cond, when not empty, whose arguments are args
// from $2 on; with is a WITH clause to run in the same statement) and
// writes a known_to_channel event for each, made by ev. A letter the
// channel knows again gets the reminders held back for it while it was
// unknown: the next escalation run looks at it (sqlKnownAgain).
//
// Only the transaction that clears a mark writes its event: the UPDATE's
// condition is checked again on the row as another transaction left it
// (READ COMMITTED waits for that one's row lock, then re-reads the row),
// so of two clearing the same mark at once, the second finds it cleared,
// gets no row back and writes nothing.
func clearUnknown(ctx context.Context, tx *sqlx.Tx, ids []string, with, cond string, args []any, ev func(knownRow) Event) error {
	if len(ids) == 0 {
		return nil
	}
	var rows []knownRow
	if err := tx.SelectContext(ctx, &rows, clearUnknownSQL(with, cond), append([]any{pq.Array(ids)}, args...)...); err != nil {
		return fmt.Errorf("clear the unknown-to-channel mark of %d shipments: %w", len(ids), err)
	}
	events := make([]Event, len(rows))
	for i, r := range rows {
		events[i] = ev(r)
		events[i].ShipmentID, events[i].Kind = r.ID, EventKnownAgain
	}
	return appendEvents(ctx, tx, events)
}

// clearUnknownSQL is clearUnknown's statement. The ids come through anyKey:
// the feed's finish step passes every letter of a page read whole, and
// with the array in sight the planner read the whole letters' table for
// a few hundred of them.
func clearUnknownSQL(with, cond string) string {
	q := with + ` UPDATE shipments s SET unknown_to_channel_since = NULL, next_step_at = ` + sqlKnownAgain + `
		WHERE ` + anyKey("s.id", 1, "uuid") + ` AND s.unknown_to_channel_since IS NOT NULL`
	if cond != "" {
		q += ` AND ` + cond
	}
	return q + ` RETURNING s.id, s.state, s.channel_status,
		(SELECT max(e.observed_at) FROM shipment_events e WHERE e.shipment_id = s.id AND e.kind = '` + EventChannel + `') AS log_at`
}

// feedKnownEvent is the known_to_channel event of a feed channel's letter
// whose log postvakt reads (again): at the time of the latest entry kept,
// else at. No payload: the entries are kept as evidence beside it.
func feedKnownEvent(channel string, at time.Time) func(knownRow) Event {
	return func(k knownRow) Event {
		seen := at
		if k.LogAt != nil {
			seen = *k.LogAt
		}
		return Event{Source: channel, ObservedAt: seen, FromState: k.State, ToState: k.State, RawStatus: k.Status,
			Message: "the channel's log knows this shipment again"}
	}
}
