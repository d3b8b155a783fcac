package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"postvakt/internal/model"
)

// ReminderOutcome is what became of one claimed reminder, for
// RecordReminders: sent, failed or unknown.
type ReminderOutcome struct {
	ID     int64
	Status model.NotifyStatus // NotifySent, NotifyFailed or NotifyUnknown
	// MessageID is the sent message's Message-ID.
	MessageID string
	// OrderID is the Altinn Notifications order that sent a reminder
	// without e-mail (Claim.ByOrder), recorded with it.
	OrderID string
	// Cause says why a message failed or its outcome is unknown.
	Cause string
	// OrderRefused, for a failed reminder without e-mail (Claim.ByOrder),
	// is that Altinn refused its order for good (422 NOT-00001): recorded
	// in the same statement as the reminder failed (order_refused_at,
	// order_error = Cause), so that RefusedNotificationOrders lists it once
	// the reminder is failed, and only then.
	OrderRefused bool
	// Accepted, for a sent message the SMTP server refused some recipients
	// of, are those that took it (nil: all), and Note which were refused and
	// why (kept in last_error).
	Accepted []string
	Note     string
	// At is when the SMTP server (or Altinn Notifications) accepted a sent
	// one: its sent time and its letters' reminder event's, the evidence a
	// complaint compares with the receiver's mail log; zero: now. The
	// letters' last reminder stays now (the run's time, which the next
	// reminder's wait counts from).
	At time.Time
	// Items are the reminders the message lists, as claimed: each letter's
	// escalation step and next-step time (model.ReminderItem).
	Items []model.ReminderItem
}

// RecordReminders is the record stage of many claimed reminders, in one
// statement: each notification becomes sent, failed or unknown (from
// pending; a sent one also from unknown: the server did accept it). Every
// letter of a sent one gets, in one update, its reminder counted
// (reminders_sent, the time of the last reminder, stage reminded), its
// escalation step, and the time its next step can come due (unless a poll
// reset it since the run read it), and a reminder event naming the
// notification. A failed or unknown one sets its letters' escalation step
// only. Notifications no longer pending are reported in the error; the
// others are recorded, and their ids returned in notPending; err is for
// the statement, which records all or nothing.
func (s *Store) RecordReminders(ctx context.Context, outs []ReminderOutcome, now time.Time) (notPending []int64, err error) {
	if len(outs) == 0 {
		return nil, nil
	}
	type notif struct {
		ID        int64      `json:"id"`
		Status    string     `json:"status"`
		MessageID string     `json:"message_id"`
		OrderID   string     `json:"order_id"`
		Cause     string     `json:"cause"`
		Accepted  []string   `json:"accepted"`
		Note      string     `json:"note"`
		Refused   bool       `json:"order_refused"`
		At        *time.Time `json:"at"`
	}
	type item struct {
		ID      string     `json:"id"`
		Step    string     `json:"step"`
		HasNext bool       `json:"has_next"`
		Seen    *time.Time `json:"seen"`
		Next    *time.Time `json:"next"`
	}
	ns := make([]notif, len(outs))
	items := []item{} // "[]", not null, without items
	for i, o := range outs {
		ns[i] = notif{ID: o.ID, Status: string(o.Status), MessageID: o.MessageID, OrderID: o.OrderID, Cause: CleanText(o.Cause), Accepted: o.Accepted, Note: CleanText(o.Note),
			Refused: o.OrderRefused && o.Status == model.NotifyFailed}
		if !o.At.IsZero() {
			ns[i].At = &o.At
		}
		for _, it := range o.Items {
			items = append(items, item{ID: it.ShipmentID, Step: it.Step, HasNext: it.HasNext, Seen: it.NextSeen, Next: it.Next})
		}
	}
	nDoc, err := json.Marshal(ns)
	if err != nil {
		return nil, err
	}
	iDoc, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	var marked []int64
	stmt, err := s.prepared(ctx, recordRemindersSQL)
	if err == nil {
		err = stmt.SelectContext(ctx, &marked, string(nDoc), now, string(iDoc), EventReminder, SourcePolicy)
	}
	if err != nil {
		return nil, fmt.Errorf("record %d reminders: %w", len(outs), err)
	}
	if len(marked) == len(outs) {
		return nil, nil
	}
	done := make(map[int64]bool, len(marked))
	for _, id := range marked {
		done[id] = true
	}
	for _, o := range outs {
		if !done[o.ID] {
			notPending = append(notPending, o.ID)
		}
	}
	return notPending, nil
}

// recordRemindersSQL is RecordReminders' statement.
var recordRemindersSQL = `WITH o AS (
			SELECT * FROM jsonb_to_recordset($1::jsonb)
				AS o(id bigint, status text, message_id text, order_id text, cause text, accepted text[], note text, order_refused boolean, at timestamptz)),
		n AS (
			UPDATE notifications n SET status = o.status, updated_at = $2,
				message_id = CASE WHEN o.status = 'sent' THEN o.message_id ELSE n.message_id END,
				sent_at = CASE WHEN o.status = 'sent' THEN COALESCE(o.at, $2) ELSE n.sent_at END,
				order_id = CASE WHEN o.status = 'sent' AND o.order_id <> '' THEN o.order_id ELSE n.order_id END,
				ordered_at = CASE WHEN o.status = 'sent' AND o.order_id <> '' THEN COALESCE(o.at, $2) ELSE n.ordered_at END,
				order_attempts = n.order_attempts + CASE WHEN o.order_id <> '' OR o.order_refused THEN 1 ELSE 0 END,
				order_error = CASE WHEN o.status = 'sent' AND o.order_id <> '' THEN '' WHEN o.order_refused THEN o.cause ELSE n.order_error END,
				-- sent: a refusal of an earlier order of the reminder's is over, but for an
				-- order given up for the e-mail (FallBackToEmail: no request left)
				order_refused_at = CASE WHEN o.order_refused THEN $2
					WHEN o.status = 'sent' AND n.order_request IS NOT NULL THEN NULL ELSE n.order_refused_at END,
				recipients = COALESCE(o.accepted, n.recipients),
				last_error = CASE WHEN o.status <> 'sent' THEN o.cause
					WHEN o.note <> '' THEN o.note
					WHEN n.last_error LIKE 'refused permanently:%' THEN n.last_error ELSE '' END
			FROM o
			WHERE n.id = o.id AND (n.status = 'pending' OR (o.status = 'sent' AND n.status = 'unknown'))
			RETURNING n.id, n.orgnr, n.recipients, n.status, n.message_id, n.order_id, n.sent_at, ` + sqlOrderGivenUp + `),
		it AS (
			SELECT * FROM jsonb_to_recordset($3::jsonb)
				AS it(id uuid, step text, has_next boolean, seen timestamptz, next timestamptz)),
		items AS (
			SELECT i.shipment_id, i.reminder, n.id AS nid, n.status = 'sent' AS sent,
				it.step, COALESCE(it.has_next, false) AS has_next, it.seen, it.next
			FROM notification_items i JOIN n ON n.id = i.notification_id
			LEFT JOIN it ON it.id = i.shipment_id
			WHERE i.active),
		counted AS (
			UPDATE shipments s SET
				reminders_sent = CASE WHEN c.sent THEN GREATEST(s.reminders_sent, c.reminder) ELSE s.reminders_sent END,
				last_reminded_at = CASE WHEN c.sent THEN GREATEST(s.last_reminded_at, $2) ELSE s.last_reminded_at END,
				stage = CASE WHEN c.sent AND s.stage = ` + sqlStage(model.StageNone) + ` THEN ` + sqlStage(model.StageReminded) + ` ELSE s.stage END,
				escalation_step = COALESCE(NULLIF(c.step, ''), s.escalation_step),
				next_step_at = CASE WHEN c.sent AND c.has_next AND s.next_step_at IS NOT DISTINCT FROM c.seen
					THEN c.next ELSE s.next_step_at END
			FROM items c
			WHERE s.id = c.shipment_id AND (c.sent OR (c.step <> '' AND s.escalation_step <> c.step))
			RETURNING s.id, c.reminder, c.nid, c.sent),
		ev AS (
			INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message, payload)
			SELECT c.id, $4, $5, n.sent_at,
				` + sqlReminderSent + `,
				jsonb_build_object('notification_id', n.id, 'reminder', c.reminder, 'message_id', n.message_id,
					'org', n.orgnr, 'recipients', to_jsonb(n.recipients))
					|| CASE WHEN n.order_id <> '' THEN jsonb_build_object('order_id', n.order_id) ELSE '{}'::jsonb END
			FROM counted c JOIN n ON n.id = c.nid
			WHERE c.sent
			RETURNING 1)
		SELECT id FROM n`
