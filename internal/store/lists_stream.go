package store

import (
	"context"
	"fmt"
	"time"
)

// EachShipment streams every row of a list, oldest first, to fn without
// holding more than one row (exports). Limit and Cursor are ignored.
func (s *Store) EachShipment(ctx context.Context, f ListFilter, fn func(*ListRow) error) error {
	return s.EachShipmentFacts(ctx, f, func(r *ListRow, _ *OpenShipment) error { return fn(r) })
}

// EachShipmentFacts is EachShipment with each letter's escalation facts,
// as the escalation run reads them (OpenShipment), from the same streamed
// query: what an export needs to say each letter's next step without a
// second read. The facts are of the same row (the same joins, a few
// columns more); fn may keep neither pointer past its call.
func (s *Store) EachShipmentFacts(ctx context.Context, f ListFilter, fn func(*ListRow, *OpenShipment) error) error {
	var c sqlConds
	if err := f.where(&c, false); err != nil {
		return err
	}
	q := fmt.Sprintf(`SELECT %s, s.state_changed_at, fu.decision AS followup_decision, fu.decided_at AS followup_decided_at
		%s LEFT JOIN followups fu ON fu.shipment_id = s.id WHERE %s ORDER BY s.sent_at, s.id`, openShipmentColumns, shipmentFrom, c.String())
	rows, err := s.db.QueryxContext(ctx, q, c.args...)
	if err != nil {
		return fmt.Errorf("stream %s shipments: %w", f.List, err)
	}
	defer rows.Close()
	var r listRowFacts
	for rows.Next() {
		r = listRowFacts{}
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("stream %s shipments: %w", f.List, err)
		}
		row := r.listRow()
		if err := fn(&row, &r.OpenShipment); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stream %s shipments: %w", f.List, err)
	}
	return nil
}

// listRowFacts is a row of EachShipmentFacts: the escalation facts, the
// one column of a list's row they lack, and the follow-up's decision.
type listRowFacts struct {
	OpenShipment
	StateChangedAt    time.Time  `db:"state_changed_at"`
	FollowUpDecision  *string    `db:"followup_decision"`
	FollowUpDecidedAt *time.Time `db:"followup_decided_at"`
}

// listRow is the list's row of r (listColumns).
func (r *listRowFacts) listRow() ListRow {
	o := &r.OpenShipment
	row := ListRow{Letter: Letter{ID: o.ID, Channel: o.Channel, ChannelID: o.ChannelID, SenderOrg: o.SenderOrg,
		SenderUnit: o.SenderUnit, RecipientKind: o.RecipientKind, RecipientID: o.RecipientID, Class: o.Class,
		Confidential: o.Confidential, SentAt: o.SentAt, State: o.State, StateChangedAt: r.StateChangedAt, Stage: o.Stage},
		RecipientName: o.RecipientName, RemindersSent: o.RemindersSent, LastReminded: o.LastRemindedAt,
		UnknownToChannelSince: o.UnknownSince, FollowUpDecidedAt: r.FollowUpDecidedAt}
	if r.FollowUpDecision != nil {
		row.FollowUpDecision = *r.FollowUpDecision
	}
	return row
}
