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
	ID             string      `db:"id"`
	Channel        string      `db:"channel"`
	ChannelID      string      `db:"channel_id"`
	SenderOrg      string      `db:"sender_org"`
	SenderOrgName  string      `db:"sender_org_name"`
	SenderUnit     string      `db:"sender_unit"`
	RecipientRow   int64       `db:"recipient_row"` // recipients.id: the stream's grouping key
	RecipientKind  string      `db:"recipient_kind"`
	RecipientID    string      `db:"recipient_ident"`
	Class          string      `db:"class"`
	Confidential   bool        `db:"confidential"`
	State          model.State `db:"state"`
	Stage          model.Stage `db:"stage"`
	SentAt         time.Time   `db:"sent_at"`
	AvailableAt    *time.Time  `db:"available_at"`
	RemindersSent  int         `db:"reminders_sent"`
	LastRemindedAt *time.Time  `db:"last_reminded_at"`
	EscalationStep string      `db:"escalation_step"`
	CatchUpAt      *time.Time  `db:"catch_up_at"`
}

// Since is when the shipment started waiting: when it became available to
// the recipient, else when it was sent.
func (o OpenShipment) Since() time.Time {
	if o.AvailableAt != nil {
		return *o.AvailableAt
	}
	return o.SentAt
}

const openShipmentColumns = `s.id, s.channel, s.channel_id,
	o.orgnr AS sender_org, o.name AS sender_org_name, u.name AS sender_unit,
	r.id AS recipient_row, r.kind AS recipient_kind, r.ident AS recipient_ident,
	s.class, s.confidential, s.state, s.stage, s.sent_at, s.available_at,
	s.reminders_sent, s.last_reminded_at, s.escalation_step, s.catch_up_at`

const openShipmentFrom = ` FROM shipments s
	JOIN sender_units u ON u.id = s.sender_unit_id
	JOIN sender_orgs o ON o.id = u.sender_org_id
	JOIN recipients r ON r.id = s.recipient_id`

// openWhere selects the shipments an escalation run looks at
// (model.Escalates): the unopened ones and those the channel could not
// deliver (they need paper at once). It is the predicate of the partial
// index shipments_escalation (migration 00007), which the stream walks.
var openWhere = sqlEscalates

// OpenShipments streams every open shipment that may need an escalation
// step, grouped by recipient: ordered by recipient, then sent time, then id.
// It reads batch rows at a time with a keyset query (never a long-running
// cursor, never everything in memory), so the caller may write between
// rows. A shipment that changes while the stream runs is seen as it was when
// its batch was read. The sequence stops at the first error, yielding it.
func (s *Store) OpenShipments(ctx context.Context, batch int) iter.Seq2[OpenShipment, error] {
	if batch <= 0 {
		batch = 2000
	}
	return func(yield func(OpenShipment, error) bool) {
		var (
			afterRow  int64 = -1
			afterSent time.Time
			afterID   = "00000000-0000-0000-0000-000000000000"
		)
		for {
			var rows []OpenShipment
			err := s.db.SelectContext(ctx, &rows, `SELECT `+openShipmentColumns+openShipmentFrom+`
				WHERE `+openWhere+`
				  AND (s.recipient_id, s.sent_at, s.id) > ($1, $2, $3)
				ORDER BY s.recipient_id, s.sent_at, s.id
				LIMIT $4`, afterRow, afterSent, afterID, batch)
			if err != nil {
				yield(OpenShipment{}, fmt.Errorf("list open shipments: %w", err))
				return
			}
			for _, r := range rows {
				if !yield(r, nil) {
					return
				}
			}
			if len(rows) < batch {
				return
			}
			last := rows[len(rows)-1]
			afterRow, afterSent, afterID = last.RecipientRow, last.SentAt, last.ID
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
				WHERE s.id = d.id AND s.escalation_step <> d.step AND `+openWhere+`
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
