package store

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Event kinds written by the escalation run.
const (
	EventDecision = "decision" // the policy decided a step; message = the reason
	EventReminder = "reminder" // a reminder listing the shipment was sent
	EventNotice   = "notice"   // a notice about the shipment (follow-up, escalation) was sent
)

// OpenShipment is an open shipment as the escalation run sees it: the facts
// a policy needs and the references a reminder may show. It deliberately has
// no title: nothing on the escalation path reads it.
type OpenShipment struct {
	ID            string      `db:"id"`
	Channel       string      `db:"channel"`
	ChannelID     string      `db:"channel_id"`
	SenderOrg     string      `db:"sender_org"`
	SenderOrgName string      `db:"sender_org_name"`
	SenderUnit    string      `db:"sender_unit"`
	RecipientRow  int64       `db:"recipient_row"` // recipients.id: the stream's grouping key
	RecipientKind string      `db:"recipient_kind"`
	RecipientID   string      `db:"recipient_ident"`
	RecipientName string      `db:"recipient_name"` // an organisation's name from the registers (the names job); "" unknown
	Class         string      `db:"class"`
	Confidential  bool        `db:"confidential"`
	State         model.State `db:"state"`
	ChannelStatus string      `db:"channel_status"` // the channel's own status, as last polled
	Stage         model.Stage `db:"stage"`
	SentAt        time.Time   `db:"sent_at"`
	AvailableAt   *time.Time  `db:"available_at"`
	// HeldUntil is when the channel is to publish a letter the sender
	// asked to be published later, as the poll last read it (nil: never
	// held; shipments.held_until).
	HeldUntil *time.Time `db:"held_until"`
	// RegisteredAt is when postvakt registered the shipment.
	RegisteredAt time.Time `db:"created_at"`
	// Heard: the channel has answered about the shipment (sqlHeard);
	// false for a letter registered a moment ago, not yet polled.
	Heard          bool       `db:"heard"`
	RemindersSent  int        `db:"reminders_sent"`
	LastRemindedAt *time.Time `db:"last_reminded_at"`
	EscalationStep string     `db:"escalation_step"`
	CatchUpAt      *time.Time `db:"catch_up_at"`
	// UnknownSince is when the channel was first found not to know the
	// shipment (nil: it knows it; unknown_to_channel_since).
	UnknownSince *time.Time `db:"unknown_to_channel_since"`
	// NextStepAt is when the shipment's next step can come due, as the
	// store had it when the row was read (nil: never; see ScheduleNextSteps).
	NextStepAt *time.Time `db:"next_step_at"`
	// PrintBatch is the approval batch whose release its held print waits
	// for (stage print_held); nil otherwise.
	PrintBatch *int64 `db:"print_batch"`
}

// Since is when the shipment started waiting: when it became available to
// the recipient, else when the channel is to publish it (held for a later
// publication the sender asked for), else when it was sent.
func (o OpenShipment) Since() time.Time {
	if o.AvailableAt != nil {
		return *o.AvailableAt
	}
	if o.HeldUntil != nil && o.HeldUntil.After(o.SentAt) {
		return *o.HeldUntil // published by the channel then, as the sender asked
	}
	return o.SentAt
}

// openShipmentColumns are an OpenShipment's; print_batch is looked up
// only for a letter whose print is held (by key).
var openShipmentColumns = `s.id, s.channel, s.channel_id,
	o.orgnr AS sender_org, o.name AS sender_org_name, u.name AS sender_unit,
	r.id AS recipient_row, r.kind AS recipient_kind, r.ident AS recipient_ident, r.name AS recipient_name,
	s.class, s.confidential, s.state, s.channel_status, s.stage, s.sent_at, s.available_at, s.held_until,
	s.reminders_sent, s.last_reminded_at, s.escalation_step, s.catch_up_at, s.next_step_at,
	s.unknown_to_channel_since, s.created_at, ` + sqlHeard + ` AS heard,
	CASE WHEN s.stage = ` + sqlStage(model.StagePrintHeld) + ` THEN (SELECT po.batch_id FROM print_orders po
		WHERE po.shipment_id = s.id AND po.state = '` + PrintStateHeld + `') END AS print_batch`

const openShipmentFrom = ` FROM shipments s
	JOIN sender_units u ON u.id = s.sender_unit_id
	JOIN sender_orgs o ON o.id = u.sender_org_id
	JOIN recipients r ON r.id = s.recipient_id`

// openWhere selects the shipments an escalation run looks at
// (model.Escalates): the unopened ones and those the channel could not
// deliver (they need paper at once). It is the predicate of the partial
// index shipments_next_step (migration 00013), the run's work queue.
var openWhere = sqlEscalates

// OpenShipments streams the open shipments an escalation run as of now
// must look at, grouped by recipient: ordered by recipient, then sent time,
// then id. Those are the ones whose next step may be due by now
// (next_step_at <= now, the index shipments_next_step), or, with all, every
// open shipment (after a policy change, when the stored times no longer
// hold). So a run costs in proportion to the letters whose step is due,
// not to all open letters.
//
// The keys of those shipments are first put, in stream order, into a
// temporary table of one pooled connection held for the stream; the rows
// are then read batch at a time from it (never everything in memory, no
// long-running transaction), each batch fresh from shipments, so the
// caller may write between rows. A shipment that stopped escalating since
// is left out; one whose step comes due meanwhile waits for the next run.
// The sequence stops at the first error, yielding it.
func (s *Store) OpenShipments(ctx context.Context, now time.Time, all bool, batch int) iter.Seq2[OpenShipment, error] {
	if batch <= 0 {
		batch = 2000
	}
	return func(yield func(OpenShipment, error) bool) {
		conn, err := s.db.Connx(ctx)
		if err != nil {
			yield(OpenShipment{}, fmt.Errorf("list open shipments: %w", err))
			return
		}
		defer conn.Close()
		defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS pg_temp.escalation_due`) //nolint:errcheck // gone with the session anyway
		create := `CREATE TEMP TABLE escalation_due AS
			SELECT row_number() OVER (ORDER BY s.recipient_id, s.sent_at, s.id) AS n, s.id
			FROM shipments s WHERE ` + openWhere
		var args []any
		if !all {
			create += ` AND s.next_step_at <= $1`
			args = append(args, now)
		}
		if _, err := conn.ExecContext(ctx, `DROP TABLE IF EXISTS pg_temp.escalation_due`); err != nil {
			yield(OpenShipment{}, fmt.Errorf("list open shipments: %w", err))
			return
		}
		res, err := conn.ExecContext(ctx, create, args...)
		if err == nil {
			_, err = conn.ExecContext(ctx, `ALTER TABLE escalation_due ADD PRIMARY KEY (n)`)
		}
		if err != nil {
			yield(OpenShipment{}, fmt.Errorf("list open shipments due by %s: %w", now.Format(time.RFC3339), err))
			return
		}
		total, err := res.RowsAffected()
		if err != nil {
			yield(OpenShipment{}, fmt.Errorf("list open shipments: %w", err))
			return
		}
		for after := int64(0); after < total; after += int64(batch) {
			var rows []OpenShipment
			// Each batch's letters are looked up one by one by key (the
			// lateral subquery is a fence the planner cannot flatten), and
			// those that stopped escalating are left out here, by
			// model.Escalates, not by openWhere in SQL: with openWhere, and
			// statistics from before the letters' next-step times were set
			// (an import just before the run), the planner read every open
			// letter through shipments_next_step and hashed them, once per
			// batch (170 ms a batch of 2,000 at 100,000 open letters, on
			// the streaming goroutine).
			err := conn.SelectContext(ctx, &rows, `SELECT `+openShipmentColumns+`
				FROM escalation_due d
				CROSS JOIN LATERAL (SELECT * FROM shipments x WHERE x.id = d.id OFFSET 0) s
				JOIN sender_units u ON u.id = s.sender_unit_id
				JOIN sender_orgs o ON o.id = u.sender_org_id
				JOIN recipients r ON r.id = s.recipient_id
				WHERE d.n > $1 AND d.n <= $2
				ORDER BY d.n`, after, after+int64(batch))
			if err != nil {
				yield(OpenShipment{}, fmt.Errorf("list open shipments: %w", err))
				return
			}
			for _, r := range rows {
				if !model.Escalates(r.State, r.Stage) {
					continue // stopped escalating since the list was made
				}
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// OpenShipmentByID is one shipment as the escalation run sees it (whether
// or not it is still open), for `policy explain`.
func (s *Store) OpenShipmentByID(ctx context.Context, id string) (*OpenShipment, error) {
	if !looksLikeUUID(id) {
		return nil, ErrNotFound
	}
	var o OpenShipment
	if err := s.db.GetContext(ctx, &o, `SELECT `+openShipmentColumns+openShipmentFrom+` WHERE s.id = $1`, id); err != nil {
		return nil, fmt.Errorf("get shipment %s: %w", id, notFound(err))
	}
	return &o, nil
}

// OpenShipmentsByIDs are shipments as the escalation run sees them, by id
// (those of ids that exist): what a list page needs to say each letter's
// next step, read by primary key for the page's letters only.
func (s *Store) OpenShipmentsByIDs(ctx context.Context, ids []string) (map[string]OpenShipment, error) {
	out := make(map[string]OpenShipment, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []OpenShipment
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+openShipmentColumns+openShipmentFrom+` WHERE s.id = ANY($1::uuid[])`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("get %d shipments' escalation facts: %w", len(ids), err)
	}
	for _, o := range rows {
		out[o.ID] = o
	}
	return out, nil
}

// Decision is one escalation step decided for one shipment, to be recorded.
type Decision struct {
	ShipmentID string
	Step       string // "reminder 1", "reminder 2", "print"
	Policy     string // the policy's name
	Reason     string // e.g. "reminder 1 due: 2 business days unopened (policy taushetsbelagt)"
	PrintDue   bool   // set the stage to print_due
	CatchUp    bool   // the policy's catch_up rule decided: remember since when
}

// RecordDecisions writes decisions in one transaction: for every shipment
// that is still open and whose last decided step differs, the step (and for
// print, the stage print_due) and a decision event with the reason. A
// decision already recorded is not recorded again. It returns how many were
// recorded.
func (s *Store) RecordDecisions(ctx context.Context, ds []Decision, now time.Time) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	ids := make([]string, len(ds))
	steps := make([]string, len(ds))
	policies := make([]string, len(ds))
	reasons := make([]string, len(ds))
	prints := make([]bool, len(ds))
	catchUps := make([]bool, len(ds))
	for i, d := range ds {
		ids[i], steps[i], policies[i], reasons[i], prints[i] = d.ShipmentID, d.Step, d.Policy, d.Reason, d.PrintDue
		catchUps[i] = d.CatchUp
	}
	var n int
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `WITH d AS (
				SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $9::boolean[])
					AS d(id, step, policy, reason, print_due, catch_up)),
			changed AS (
				UPDATE shipments s SET escalation_step = d.step,
					stage = CASE WHEN d.print_due THEN `+sqlStage(model.StagePrintDue)+` ELSE s.stage END,
					catch_up_at = CASE WHEN d.catch_up THEN COALESCE(s.catch_up_at, $8) ELSE s.catch_up_at END
				FROM d
				WHERE s.id = ANY($1::uuid[]) AND s.id = d.id AND s.escalation_step <> d.step AND `+openWhere+`
				RETURNING s.id, s.state, d.step, d.policy, d.reason, d.print_due, d.catch_up)
			INSERT INTO shipment_events (shipment_id, kind, source, observed_at, from_state, to_state, message, payload)
			SELECT id, $6, $7, $8, state, state, reason,
				jsonb_build_object('step', step, 'policy', policy, 'print_due', print_due, 'catch_up', catch_up)
			FROM changed`,
			pq.Array(ids), pq.Array(steps), pq.Array(policies), pq.Array(reasons), pq.Array(prints),
			EventDecision, SourcePolicy, now, pq.Array(catchUps))
		if err != nil {
			return fmt.Errorf("record %d escalation decisions: %w", len(ds), err)
		}
		m, err := res.RowsAffected()
		n = int(m)
		return err
	})
	return n, err
}
