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
// columns more), and so are the letter's reminder and print history a
// compliance officer answers with (exportHistoryColumns); fn may keep
// neither pointer past its call.
func (s *Store) EachShipmentFacts(ctx context.Context, f ListFilter, fn func(*ListRow, *OpenShipment) error) error {
	var c sqlConds
	if err := f.where(&c, false); err != nil {
		return err
	}
	q := fmt.Sprintf(`SELECT %s, s.state_changed_at, fu.decision AS followup_decision, fu.decided_at AS followup_decided_at,
		%s
		%s LEFT JOIN followups fu ON fu.shipment_id = s.id LEFT JOIN print_orders po ON po.shipment_id = s.id
		WHERE %s ORDER BY s.sent_at, s.id`, openShipmentColumns, exportHistoryColumns, shipmentFrom, c.String())
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

// exportHistoryColumns are a letter's reminder and print history
// (ListRow's FirstRemindedAt, PrintOrderedAt, PrintState, PrintPlacedAt)
// in EachShipmentFacts' query, its print order joined as po. The count of
// reminders is the shipment's own (reminders_sent); the first and the last
// reminder's times are its sent reminders' earliest and latest (when the
// server took each: the shipment's last_reminded_at is the sending run's
// time, which its next step counts from, minutes earlier in a long run, and
// is the last time only when the evidence is purged), and the print order's placing the order's placed_at (the
// provider's acceptance, written with the order's id), which the retention
// purge keeps with the order while it removes the evidence. An order an
// older binary placed after the upgrade to 00049 has none: its placing is
// read from the evidence (EventPrintOrdered) until the purge copies it to
// the order. Each subquery is an index probe by the letter
// (notification_items_once, shipment_events_shipment), made only for a
// letter that was reminded or whose print order was placed without
// placed_at (COALESCE evaluates it only then): an export of a million
// letters, most of them never reminded, reads them for the few.
var exportHistoryColumns = `CASE WHEN s.reminders_sent > 0 THEN (SELECT min(n.sent_at) FROM notification_items i
			JOIN notifications n ON n.id = i.notification_id
			WHERE i.shipment_id = s.id AND i.active AND n.status = '` + string(NotifySent) + `') END AS first_reminded_at,
		` + sqlLastReminded + ` AS last_sent_at,
		po.created_at AS print_ordered_at, COALESCE(po.state, '') AS print_state,
		COALESCE(po.placed_at, CASE WHEN po.order_id <> '' THEN ` + sqlPlacedFromEvidence("s.id") + ` END) AS print_placed_at`

// listRowFacts is a row of EachShipmentFacts: the escalation facts, the
// one column of a list's row they lack, the follow-up's decision and the
// reminder and print history (exportHistoryColumns).
type listRowFacts struct {
	OpenShipment
	StateChangedAt    time.Time  `db:"state_changed_at"`
	FollowUpDecision  *string    `db:"followup_decision"`
	FollowUpDecidedAt *time.Time `db:"followup_decided_at"`
	FirstRemindedAt   *time.Time `db:"first_reminded_at"`
	LastSentAt        *time.Time `db:"last_sent_at"` // sqlLastReminded
	PrintOrderedAt    *time.Time `db:"print_ordered_at"`
	PrintState        string     `db:"print_state"`
	PrintPlacedAt     *time.Time `db:"print_placed_at"`
}

// listRow is the list's row of r (listColumns).
func (r *listRowFacts) listRow() ListRow {
	o := &r.OpenShipment
	row := ListRow{Letter: Letter{ID: o.ID, Channel: o.Channel, ChannelID: o.ChannelID, SenderOrg: o.SenderOrg,
		SenderUnit: o.SenderUnit, RecipientKind: o.RecipientKind, RecipientID: o.RecipientID, Class: o.Class,
		Confidential: o.Confidential, SentAt: o.SentAt, State: o.State, StateChangedAt: r.StateChangedAt, Stage: o.Stage},
		RecipientName: o.RecipientName, RemindersSent: o.RemindersSent, LastReminded: o.LastRemindedAt,
		UnknownToChannelSince: o.UnknownSince, FollowUpDecidedAt: r.FollowUpDecidedAt,
		FirstRemindedAt: r.FirstRemindedAt, PrintOrderedAt: r.PrintOrderedAt, PrintState: r.PrintState,
		PrintPlacedAt: r.PrintPlacedAt}
	if r.LastSentAt != nil {
		row.LastReminded = r.LastSentAt
	}
	if r.FollowUpDecision != nil {
		row.FollowUpDecision = *r.FollowUpDecision
	}
	return row
}
