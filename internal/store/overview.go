package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The overview's numbers (the cockpit at /). The plain counts are read from
// rollups (migrations/00014_cockpit.sql) refreshed with the list rollups;
// while they are stale or empty the same numbers are computed live, so the
// page is right on a fresh database and fast at 1,000,000 shipments.

// OpenedWithinDays is the N of the overview's "opened within N days" rate;
// it must equal the interval in the overview_weeks view.
const OpenedWithinDays = 7

// OverviewMaxAge is how stale the weekly rollup may be and still serve the
// overview; it is refreshed every OverviewRefreshEvery.
const (
	OverviewRefreshEvery = 10 * time.Minute
	OverviewMaxAge       = 30 * time.Minute
)

// UnopenedDay is how many confidential shipments sent on one day (Oslo
// time) over one channel are still unopened.
type UnopenedDay struct {
	Channel string    `db:"channel"`
	Day     time.Time `db:"day"`
	N       int       `db:"n"`
}

// unitScope adds the condition that a rollup's sender_unit_id column col is
// in scope.
func unitScope(c *sqlConds, col string, scope Scope) {
	if scope.SenderOrg == "" && scope.SenderUnit == "" {
		return
	}
	sub := col + ` IN (SELECT u.id FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id WHERE true`
	var args []any
	if scope.SenderOrg != "" {
		sub += " AND o.orgnr = ?"
		args = append(args, scope.SenderOrg)
	}
	if scope.SenderUnit != "" {
		sub += " AND u.name = ?"
		args = append(args, scope.SenderUnit)
	}
	c.add(sub+")", args...)
}

// UnopenedByDay returns the unopened confidential shipments in scope per
// channel and day sent, oldest day first, and when the rollup it was read
// from was refreshed (nil: computed live).
func (s *Store) UnopenedByDay(ctx context.Context, scope Scope) ([]UnopenedDay, *time.Time, error) {
	asOf, err := s.rollupFresh(ctx, ListFilter{List: ListUnopened}, ByUnit)
	if err != nil {
		return nil, nil, err
	}
	var c sqlConds
	var q string
	if asOf != nil {
		unitScope(&c, "m.sender_unit_id", scope)
		q = `SELECT m.channel, m.day, sum(m.n)::bigint AS n FROM overview_unopened_days m WHERE ` + c.String() + `
			GROUP BY m.channel, m.day ORDER BY m.day, m.channel`
	} else {
		unitScope(&c, "s.sender_unit_id", scope)
		q = `SELECT s.channel, (s.sent_at AT TIME ZONE 'Europe/Oslo')::date AS day, count(*) AS n FROM shipments s
			WHERE s.confidential AND s.state IN ` + sqlOpenStates + ` AND ` + c.String() + `
			GROUP BY 1, 2 ORDER BY 2, 1`
	}
	out := []UnopenedDay{}
	if err := s.db.SelectContext(ctx, &out, q, c.args...); err != nil {
		return nil, nil, fmt.Errorf("count unopened shipments by day: %w", err)
	}
	return out, asOf, nil
}

// Week is one channel's confidential shipments in one week (Monday).
type Week struct {
	Channel string    `db:"channel"`
	Week    time.Time `db:"week"`
	// Sent is how many were sent that week; OpenedWithin how many of those
	// were opened within OpenedWithinDays of sending.
	Sent         int `db:"sent"`
	OpenedWithin int `db:"opened_within"`
	// Unopened is how many were unopened at the end of the week.
	Unopened int `db:"unopened"`
}

// weeksLive must equal the overview_weeks view (migration 00014).
var weeksLive = `SELECT s.sender_unit_id, s.channel, week, sum(sent)::bigint AS sent,
		sum(opened_within)::bigint AS opened_within, sum(closed)::bigint AS closed
	FROM (
		SELECT s.sender_unit_id, s.channel, date_trunc('week', s.sent_at AT TIME ZONE 'Europe/Oslo')::date AS week,
			1 AS sent,
			CASE WHEN s.state = 'opened' AND s.state_changed_at < s.sent_at + interval '7 days' THEN 1 ELSE 0 END AS opened_within,
			0 AS closed
		FROM shipments s WHERE s.confidential AND %[1]s
		UNION ALL
		SELECT s.sender_unit_id, s.channel,
			date_trunc('week', GREATEST(s.state_changed_at, s.sent_at) AT TIME ZONE 'Europe/Oslo')::date, 0, 0, 1
		FROM shipments s
		WHERE s.confidential AND s.state NOT IN ` + sqlOpenStates + ` AND %[1]s
	) s
	GROUP BY 1, 2, 3`

// Weeks returns, per channel, the weeks from since on (since is a Monday)
// with what was sent, opened within OpenedWithinDays, and unopened at the
// week's end; weeks without any change for a channel are left out (the
// caller carries the unopened count forward). asOf is when the rollup was
// refreshed, nil when computed live.
func (s *Store) Weeks(ctx context.Context, scope Scope, since time.Time) ([]Week, *time.Time, error) {
	asOf, err := s.overviewFresh(ctx)
	if err != nil {
		return nil, nil, err
	}
	var c sqlConds
	source := "overview_weeks"
	if asOf == nil {
		unitScope(&c, "s.sender_unit_id", scope)
		source = "(" + fmt.Sprintf(weeksLive, c.String()) + ")"
		c = sqlConds{args: c.args}
	} else {
		unitScope(&c, "m.sender_unit_id", scope)
	}
	where := c.String()
	if asOf == nil {
		where = "true"
	}
	c.args = append(c.args, since.Format("2006-01-02"))
	q := fmt.Sprintf(`SELECT channel, week, sent, opened_within, unopened FROM (
			SELECT m.channel, m.week, sum(m.sent)::bigint AS sent, sum(m.opened_within)::bigint AS opened_within,
				sum(sum(m.sent) - sum(m.closed)) OVER (PARTITION BY m.channel ORDER BY m.week)::bigint AS unopened
			FROM %s m WHERE %s GROUP BY m.channel, m.week) w
		WHERE week >= $%d::date ORDER BY week, channel`, source, where, len(c.args))
	out := []Week{}
	if err := s.db.SelectContext(ctx, &out, q, c.args...); err != nil {
		return nil, nil, fmt.Errorf("count shipments by week: %w", err)
	}
	return out, asOf, nil
}

// overviewFresh returns when the weekly rollup was refreshed, if recently
// enough to serve the overview, else nil.
func (s *Store) overviewFresh(ctx context.Context) (*time.Time, error) {
	var at *time.Time
	err := s.db.GetContext(ctx, &at, `SELECT overview_refreshed_at FROM list_rollups
		WHERE overview_refreshed_at > now() - $1 * interval '1 second'`, OverviewMaxAge.Seconds())
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("check overview rollup: %w", err)
	}
	return at, nil
}

// refreshOverviewWeeks refreshes the weekly overview rollup in tx when
// OverviewRefreshEvery has passed since it last was, as of start
// (RefreshListSummaries refreshes the daily one with the lists').
func refreshOverviewWeeks(ctx context.Context, tx *sqlx.Tx, start time.Time) error {
	var due bool
	if err := tx.GetContext(ctx, &due, `SELECT overview_refreshed_at IS NULL OR overview_refreshed_at < $2::timestamptz - $1 * interval '1 second'
		FROM list_rollups`, OverviewRefreshEvery.Seconds(), start); err != nil {
		return fmt.Errorf("refresh overview rollup: %w", err)
	}
	if !due {
		return nil
	}
	if err := refreshView(ctx, tx, "overview_weeks"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE list_rollups SET overview_refreshed_at = $1`, start); err != nil {
		return fmt.Errorf("refresh overview rollup: %w", err)
	}
	return nil
}

// refreshView refreshes a materialized view in tx, without blocking
// readers once it has been filled.
func refreshView(ctx context.Context, tx *sqlx.Tx, name string) error {
	var populated bool
	if err := tx.GetContext(ctx, &populated, `SELECT relispopulated FROM pg_class WHERE relname = $1`, name); err != nil {
		return fmt.Errorf("refresh %s: %w", name, err)
	}
	how := "REFRESH MATERIALIZED VIEW CONCURRENTLY "
	if !populated {
		how = "REFRESH MATERIALIZED VIEW "
	}
	if _, err := tx.ExecContext(ctx, how+name); err != nil {
		return fmt.Errorf("refresh %s: %w", name, err)
	}
	return nil
}

// Activity is what escalation did in a period, and what waits now, in
// scope.
type Activity struct {
	Reminders       int `db:"reminders"`        // reminder messages sent (listing a shipment in scope)
	RemindedLetters int `db:"reminded_letters"` // shipments in scope those messages listed (StepReminder)
	PrintOrders     int `db:"print_orders"`     // print decisions (queued, held or sent) (StepPrint)
	Manual          int `db:"manual"`           // shipments that went to manual handling (StepManual)
	// Now, whatever the period:
	FollowUpsOpen    int `db:"followups_open"`    // follow-ups without a decision, deadline ahead
	FollowUpsOverdue int `db:"followups_overdue"` // follow-ups without a decision, past the deadline
	ManualOpen       int `db:"manual_open"`       // manual-handling items not resolved
	HeldPrints       int `db:"held_prints"`       // prints waiting for approval that a release would make (printableSQL, as the escalation notice's)
	UnknownReminders int `db:"unknown_reminders"` // reminders whose outcome is unknown
	NoAddress        int `db:"no_address"`        // organisations that could not be reminded: no address
}

// Activity counts what escalation did since from, and what waits as of now,
// for shipments in scope.
func (s *Store) Activity(ctx context.Context, scope Scope, from, now time.Time) (*Activity, error) {
	var c sqlConds
	c.args = []any{from, now}
	addScope(&c, scope)
	in := c.String() // conditions on shipments s / sender_units u / sender_orgs o
	// The letters of each step since from, as a list narrowed to the step
	// shows them (ListFilter.Step).
	steps := map[Step]string{}
	for _, st := range Steps {
		q, err := stepShipments(st, "$1", "")
		if err != nil {
			return nil, err
		}
		steps[st] = q
	}
	q := fmt.Sprintf(`WITH sc AS (SELECT u.id FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id WHERE %[1]s)
		SELECT
			(SELECT count(DISTINCT n.id) FROM notifications n JOIN notification_items i ON i.notification_id = n.id AND i.active
				JOIN shipments s ON s.id = i.shipment_id
				WHERE n.status = 'sent' AND n.sent_at >= $1 AND s.sender_unit_id IN (SELECT id FROM sc)) AS reminders,
			(SELECT count(*) FROM shipments s WHERE s.id IN (%[2]s) AND s.sender_unit_id IN (SELECT id FROM sc)) AS reminded_letters,
			(SELECT count(*) FROM shipments s WHERE s.id IN (%[3]s) AND s.sender_unit_id IN (SELECT id FROM sc)) AS print_orders,
			(SELECT count(*) FROM shipments s WHERE s.id IN (%[4]s) AND s.sender_unit_id IN (SELECT id FROM sc)) AS manual,
			(SELECT count(*) FROM followups f WHERE f.decision IS NULL AND f.deadline >= $2
				AND f.sender_unit_id IN (SELECT id FROM sc)) AS followups_open,
			(SELECT count(*) FROM followups f WHERE f.decision IS NULL AND f.deadline < $2
				AND f.sender_unit_id IN (SELECT id FROM sc)) AS followups_overdue,
			(SELECT count(*) FROM print_manual m JOIN shipments s ON s.id = m.shipment_id
				WHERE m.resolved_at IS NULL AND s.sender_unit_id IN (SELECT id FROM sc)) AS manual_open,
			(SELECT count(*) FROM print_orders po JOIN shipments s ON s.id = po.shipment_id
				WHERE po.state = 'held' AND `+printableSQL+` AND s.sender_unit_id IN (SELECT id FROM sc)) AS held_prints,
			%[6]s AS unknown_reminders,
			(SELECT count(DISTINCT n.orgnr) %[5]s) AS no_address`,
		in, steps[StepReminder], steps[StepPrint], steps[StepManual], noAddressItems(in), unknownReminders(in))
	var a Activity
	if err := s.db.GetContext(ctx, &a, q, c.args...); err != nil {
		return nil, fmt.Errorf("count escalation activity: %w", err)
	}
	return &a, nil
}
