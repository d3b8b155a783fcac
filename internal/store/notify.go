package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Notification statuses (see migration 00003 for what each means).
const (
	NotifyPending    = "pending"
	NotifySent       = "sent"
	NotifyFailed     = "failed"
	NotifyUnknown    = "unknown"
	NotifyNoAddress  = "no_address"
	NotifySuperseded = "superseded"
)

// NotificationItem is one shipment listed in a reminder, with the number of
// the reminder it is for that shipment.
type NotificationItem struct {
	ShipmentID string `db:"shipment_id" json:"shipment_id"`
	Reminder   int    `db:"reminder" json:"reminder"`
}

// NotificationKey is the deterministic key of a reminder: a SHA-256 (hex)
// over the organisation number, the sorted shipment ids and their reminder
// numbers. The same organisation, shipments and reminder numbers always give
// the same key, whatever the order of items.
func NotificationKey(org string, items []NotificationItem) string {
	sorted := append([]NotificationItem(nil), items...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].ShipmentID != sorted[j].ShipmentID {
			return sorted[i].ShipmentID < sorted[j].ShipmentID
		}
		return sorted[i].Reminder < sorted[j].Reminder
	})
	h := sha256.New()
	h.Write([]byte("postvakt reminder v1\n" + org + "\n"))
	for _, it := range sorted {
		h.Write([]byte(strings.ToLower(it.ShipmentID) + ":" + strconv.Itoa(it.Reminder) + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Notification is one row of the notification log.
type Notification struct {
	ID         int64          `db:"id"`
	Key        string         `db:"key"`
	Org        string         `db:"orgnr"`
	Status     string         `db:"status"`
	Recipients pq.StringArray `db:"recipients"`
	MessageID  string         `db:"message_id"`
	Attempts   int            `db:"attempts"`
	LastError  string         `db:"last_error"`
	CreatedAt  time.Time      `db:"created_at"`
	ClaimedAt  time.Time      `db:"claimed_at"`
	SentAt     *time.Time     `db:"sent_at"`
	Shipments  int            `db:"shipments"` // active items (lists only)

	Items []NotificationItem `db:"-"`
}

const notificationColumns = `n.id, n.key, n.orgnr, n.status, n.recipients, n.message_id, n.attempts,
	n.last_error, n.created_at, n.claimed_at, n.sent_at`

// Claim asks to send one reminder message: to an organisation, listing
// items, to the given addresses, as of now.
type Claim struct {
	Org        string
	Items      []NotificationItem
	Recipients []string
	Now        time.Time
}

// Dropped is an item left out of a claimed message, with why.
type Dropped struct {
	NotificationItem
	Reason string
}

// ClaimResult is the outcome of a claim.
type ClaimResult struct {
	// Notification is the log row for the items that remain, or nil when
	// none remain. Its Items are the shipments to list.
	Notification *Notification
	// Send is true when the caller must send the message now: the row is
	// pending and claimed by this call. It is false for an organisation
	// without address (status no_address) and for a row already handled.
	Send bool
	// Dropped are the items left out: opened or closed meanwhile, already
	// counted, or listed in another notification that was (or may have
	// been) sent.
	Dropped []Dropped
}

// ClaimNotification is the dedupe stage of sending a reminder, in one
// transaction committed before anything is sent. It locks the shipments and
// re-checks them (an opened shipment is dropped, even if it opened after the
// decision), drops items already listed in a notification that was or may
// have been sent, and then records the message as pending (Send true), or as
// no_address when there are no recipients. A failed or no_address row for
// the same items is reused; one for other items is superseded.
func (s *Store) ClaimNotification(ctx context.Context, c Claim) (ClaimResult, error) {
	var res ClaimResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		res, err = claim(ctx, tx, c)
		return err
	})
	return res, err
}

// PreviewNotification answers what ClaimNotification would, and changes
// nothing (the transaction is rolled back). It is what a dry run uses.
func (s *Store) PreviewNotification(ctx context.Context, c Claim) (ClaimResult, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return ClaimResult{}, fmt.Errorf("preview notification: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a preview never commits
	return claim(ctx, tx, c)
}

func claim(ctx context.Context, tx *sqlx.Tx, c Claim) (ClaimResult, error) {
	var res ClaimResult
	ids, _ := splitItems(c.Items)
	// 1. Lock the shipments and re-check them as they are now.
	var rows []struct {
		ID            string      `db:"id"`
		State         string      `db:"state"`
		Stage         model.Stage `db:"stage"`
		RemindersSent int         `db:"reminders_sent"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, state, stage, reminders_sent FROM shipments
		WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, pq.Array(ids)); err != nil {
		return res, fmt.Errorf("claim reminder to %s: lock shipments: %w", c.Org, err)
	}
	pos := map[string]int{}
	for i, r := range rows {
		pos[r.ID] = i
	}
	var keep []NotificationItem
	for _, it := range c.Items {
		i, ok := pos[it.ShipmentID]
		switch {
		case !ok:
			res.Dropped = append(res.Dropped, Dropped{it, "shipment not found"})
		case !model.State(rows[i].State).Open():
			res.Dropped = append(res.Dropped, Dropped{it, "no longer waiting: state " + rows[i].State})
		case !model.Stage(rows[i].Stage).Escalating():
			res.Dropped = append(res.Dropped, Dropped{it, "escalation stage is " + string(rows[i].Stage)})
		case rows[i].RemindersSent != it.Reminder-1:
			res.Dropped = append(res.Dropped, Dropped{it, fmt.Sprintf("%d reminder(s) already sent", rows[i].RemindersSent)})
		default:
			keep = append(keep, it)
		}
	}
	// 2. Items already in another notification for the same reminder.
	ids, nums := splitItems(keep)
	var taken []struct {
		ShipmentID string `db:"shipment_id"`
		Reminder   int    `db:"reminder"`
		ID         int64  `db:"id"`
		Status     string `db:"status"`
	}
	if err := tx.SelectContext(ctx, &taken, `SELECT i.shipment_id, i.reminder, n.id, n.status
		FROM notification_items i
		JOIN unnest($1::uuid[], $2::int[]) AS c(id, n) ON i.shipment_id = c.id AND i.reminder = c.n
		JOIN notifications n ON n.id = i.notification_id
		WHERE i.active ORDER BY n.id FOR UPDATE OF n`, pq.Array(ids), pq.Array(nums)); err != nil {
		return res, fmt.Errorf("claim reminder to %s: look up earlier notifications: %w", c.Org, err)
	}
	blocked := map[NotificationItem]string{}
	replaceable := map[int64]bool{}
	for _, t := range taken {
		switch t.Status {
		case NotifyFailed, NotifyNoAddress:
			replaceable[t.ID] = true
		default:
			blocked[NotificationItem{t.ShipmentID, t.Reminder}] = fmt.Sprintf("already in notification %d (%s)", t.ID, t.Status)
		}
	}
	var items []NotificationItem
	for _, it := range keep {
		if why, ok := blocked[it]; ok {
			res.Dropped = append(res.Dropped, Dropped{it, why})
			continue
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return res, nil
	}
	// 3. The row for exactly these items: reuse it, or make it.
	key := NotificationKey(c.Org, items)
	var n Notification
	err := tx.GetContext(ctx, &n, `SELECT `+notificationColumns+` FROM notifications n WHERE key = $1 FOR UPDATE`, key)
	exists := err == nil
	if err != nil && notFound(err) != ErrNotFound {
		return res, fmt.Errorf("claim reminder to %s: look up notification: %w", c.Org, err)
	}
	if exists && (n.Status == NotifySent || n.Status == NotifyPending || n.Status == NotifyUnknown) {
		n.Items = items
		res.Notification = &n
		return res, nil
	}
	for id := range replaceable {
		if exists && id == n.ID {
			continue
		}
		if err := supersede(ctx, tx, id, c.Now); err != nil {
			return res, err
		}
	}
	status := NotifyPending
	recipients := pq.StringArray(c.Recipients)
	if len(recipients) == 0 {
		status, recipients = NotifyNoAddress, pq.StringArray{}
	}
	if exists {
		if _, err := tx.ExecContext(ctx, `UPDATE notification_items SET active = true WHERE notification_id = $1`, n.ID); err != nil {
			return res, fmt.Errorf("claim reminder to %s: reuse notification %d: %w", c.Org, n.ID, err)
		}
		err = tx.GetContext(ctx, &n, `UPDATE notifications n SET status = $2, recipients = $3,
				attempts = attempts + CASE WHEN $2 = 'pending' THEN 1 ELSE 0 END,
				claimed_at = $4, updated_at = $4
			WHERE id = $1 RETURNING `+notificationColumns, n.ID, status, recipients, c.Now)
	} else {
		err = tx.GetContext(ctx, &n, `INSERT INTO notifications AS n
				(key, orgnr, status, recipients, attempts, created_at, claimed_at, updated_at)
			VALUES ($1, $2, $3, $4, CASE WHEN $3 = 'pending' THEN 1 ELSE 0 END, $5, $5, $5)
			RETURNING `+notificationColumns, key, c.Org, status, recipients, c.Now)
		if err == nil {
			ids, nums = splitItems(items)
			_, err = tx.ExecContext(ctx, `INSERT INTO notification_items (notification_id, shipment_id, reminder)
				SELECT $1, id, n FROM unnest($2::uuid[], $3::int[]) AS c(id, n)`, n.ID, pq.Array(ids), pq.Array(nums))
		}
	}
	if err != nil {
		return res, fmt.Errorf("claim reminder to %s: record notification: %w", c.Org, err)
	}
	n.Items = items
	res.Notification = &n
	res.Send = status == NotifyPending
	return res, nil
}

// supersede retires a failed or no_address notification whose shipments go
// into a new one.
func supersede(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE notification_items SET active = false WHERE notification_id = $1`, id); err != nil {
		return fmt.Errorf("supersede notification %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'superseded', updated_at = $2 WHERE id = $1`, id, now); err != nil {
		return fmt.Errorf("supersede notification %d: %w", id, err)
	}
	return nil
}

// MarkNotificationSent is the record stage after the SMTP server accepted a
// message: in one transaction the notification becomes sent, and every
// shipment it lists gets its reminder counted (reminders_sent, the time of
// the last reminder, stage reminded) and a reminder event naming the
// notification. A notification turned unknown meanwhile (its lease ran out)
// may still be marked sent: the server did accept it.
func (s *Store) MarkNotificationSent(ctx context.Context, id int64, messageID string, now time.Time) error {
	// One statement, so one round trip and atomic: the notification, the
	// counts on its shipments and their events.
	var res struct {
		Marked int `db:"marked"`
		Events int `db:"events"`
	}
	err := s.db.GetContext(ctx, &res, `WITH n AS (
			UPDATE notifications SET status = 'sent', message_id = $2, sent_at = $3, updated_at = $3, last_error = ''
			WHERE id = $1 AND status IN ('pending', 'unknown')
			RETURNING id, orgnr, recipients),
		items AS (
			SELECT i.shipment_id, i.reminder FROM notification_items i JOIN n ON n.id = i.notification_id
			WHERE i.active),
		counted AS (
			UPDATE shipments s SET reminders_sent = GREATEST(s.reminders_sent, items.reminder),
				last_reminded_at = $3,
				stage = CASE WHEN s.stage = `+sqlStage(model.StageNone)+` THEN `+sqlStage(model.StageReminded)+` ELSE s.stage END
			FROM items WHERE s.id = items.shipment_id
			RETURNING s.id, items.reminder),
		ev AS (
			INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message, payload)
			SELECT c.id, $4, $5, $3,
				format('reminder %s sent by e-mail to organisation %s (notification %s, %s address(es))',
					c.reminder, n.orgnr, n.id, cardinality(n.recipients)),
				jsonb_build_object('notification_id', n.id, 'reminder', c.reminder, 'message_id', $2::text,
					'org', n.orgnr, 'recipients', to_jsonb(n.recipients))
			FROM counted c CROSS JOIN n
			RETURNING 1)
		SELECT (SELECT count(*) FROM n) AS marked, (SELECT count(*) FROM ev) AS events`,
		id, messageID, now, EventReminder, SourcePolicy)
	if err != nil {
		return fmt.Errorf("mark notification %d sent: %w", id, err)
	}
	if res.Marked == 0 {
		return fmt.Errorf("mark notification %d sent: it is not pending or unknown: %w", id, ErrNotFound)
	}
	return nil
}

// MarkNotificationFailed records that a pending notification was not
// delivered (the SMTP server refused it or could not be reached before the
// message was handed over). The next run sends it again.
func (s *Store) MarkNotificationFailed(ctx context.Context, id int64, cause string, now time.Time) error {
	return s.setStatus(ctx, id, NotifyFailed, cause, now, NotifyPending)
}

// MarkNotificationUnknown records that a pending notification's outcome
// cannot be known (the connection broke after the message was handed over).
// It is never sent again by itself; it is listed for the compliance officer.
func (s *Store) MarkNotificationUnknown(ctx context.Context, id int64, cause string, now time.Time) error {
	return s.setStatus(ctx, id, NotifyUnknown, cause, now, NotifyPending)
}

// ReleaseNotification is the compliance officer's answer for a notification
// whose outcome was unknown and that was, after checking, not delivered: it
// becomes failed, so the next run sends it.
func (s *Store) ReleaseNotification(ctx context.Context, id int64, now time.Time) error {
	return s.setStatus(ctx, id, NotifyFailed, "released for a new attempt after an unknown outcome", now, NotifyUnknown)
}

func (s *Store) setStatus(ctx context.Context, id int64, status, cause string, now time.Time, from string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET status = $2, last_error = $3, updated_at = $4
		WHERE id = $1 AND status = $5`, id, status, cause, now, from)
	if err != nil {
		return fmt.Errorf("mark notification %d %s: %w", id, status, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("mark notification %d %s: it is not %s: %w", id, status, from, ErrNotFound)
	}
	return nil
}

// ExpirePendingNotifications turns pending notifications claimed more than
// lease before now into unknown and returns them: their run died between
// claiming and recording, and whether the message went out cannot be known,
// so they are never sent again blindly.
func (s *Store) ExpirePendingNotifications(ctx context.Context, now time.Time, lease time.Duration) ([]Notification, error) {
	var out []Notification
	err := s.db.SelectContext(ctx, &out, `UPDATE notifications n SET status = 'unknown', updated_at = $1,
			last_error = 'no outcome recorded within the lease: the sending run stopped (crash?) after claiming it'
		WHERE status = 'pending' AND claimed_at < $2 RETURNING `+notificationColumns, now, now.Add(-lease))
	if err != nil {
		return nil, fmt.Errorf("expire pending notifications: %w", err)
	}
	return out, nil
}

// UnresolvedNotifications lists what the compliance officer must look at:
// notifications with an unknown outcome, organisations without an address,
// and failed sends waiting for a retry; oldest first, with how many
// shipments each lists.
func (s *Store) UnresolvedNotifications(ctx context.Context) ([]Notification, error) {
	var out []Notification
	err := s.db.SelectContext(ctx, &out, `SELECT `+notificationColumns+`,
			(SELECT count(*) FROM notification_items i WHERE i.notification_id = n.id AND i.active) AS shipments
		FROM notifications n WHERE status IN ('unknown', 'no_address', 'failed') ORDER BY n.id`)
	if err != nil {
		return nil, fmt.Errorf("list unresolved notifications: %w", err)
	}
	return out, nil
}

// NotificationItems returns the shipments a notification lists.
func (s *Store) NotificationItems(ctx context.Context, id int64) ([]NotificationItem, error) {
	var out []NotificationItem
	if err := s.db.SelectContext(ctx, &out, `SELECT shipment_id, reminder FROM notification_items
		WHERE notification_id = $1 AND active ORDER BY shipment_id`, id); err != nil {
		return nil, fmt.Errorf("read items of notification %d: %w", id, err)
	}
	return out, nil
}

func splitItems(items []NotificationItem) ([]string, []int64) {
	ids := make([]string, len(items))
	nums := make([]int64, len(items))
	for i, it := range items {
		ids[i], nums[i] = it.ShipmentID, int64(it.Reminder)
	}
	return ids, nums
}

// NotificationOrder is a reminder's Altinn Notifications order that still
// has to be placed: the request as first built (its idempotencyId makes
// placing it again safe: Altinn answers the same order).
type NotificationOrder struct {
	ID       int64  `db:"id"`
	Org      string `db:"orgnr"`
	Request  []byte `db:"order_request"`
	Attempts int    `db:"order_attempts"`
}

// PrepareNotificationOrder keeps the Altinn Notifications order request of a
// pending notification, before its e-mail is sent. Once the notification is
// sent, the order is placed; an order not placed (failure, crash) is listed
// by OpenNotificationOrders.
func (s *Store) PrepareNotificationOrder(ctx context.Context, id int64, request []byte) error {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_request = $2, order_error = ''
		WHERE id = $1 AND status = 'pending' AND order_id = ''`, id, string(request))
	if err != nil {
		return fmt.Errorf("keep the notification order of %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("keep the notification order of %d: it is not pending or already ordered: %w", id, ErrNotFound)
	}
	return nil
}

// RecordNotificationOrder records the notificationOrderId Altinn answered.
func (s *Store) RecordNotificationOrder(ctx context.Context, id int64, orderID string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_id = $2, order_error = '',
			order_attempts = order_attempts + 1, ordered_at = $3 WHERE id = $1`, id, orderID, now); err != nil {
		return fmt.Errorf("record notification order %s of %d: %w", orderID, id, err)
	}
	return nil
}

// RecordNotificationOrderFailed records a failed attempt to place the order;
// OpenNotificationOrders lists it again.
func (s *Store) RecordNotificationOrderFailed(ctx context.Context, id int64, cause string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_error = $2,
			order_attempts = order_attempts + 1 WHERE id = $1 AND order_id = ''`, id, cause); err != nil {
		return fmt.Errorf("record the failed notification order of %d: %w", id, err)
	}
	return nil
}

// RecordNotificationOrderRefused records that Altinn refused the order for
// good (422 NOT-00001): it is listed by RefusedNotificationOrders and never
// by OpenNotificationOrders again.
func (s *Store) RecordNotificationOrderRefused(ctx context.Context, id int64, cause string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_error = $2, order_refused_at = $3,
			order_attempts = order_attempts + 1 WHERE id = $1 AND order_id = ''`, id, CleanText(cause), now); err != nil {
		return fmt.Errorf("record the refused notification order of %d: %w", id, err)
	}
	return nil
}

// RefusedOrder is a reminder whose Altinn Notifications order was refused
// for good, for the compliance officer.
type RefusedOrder struct {
	ID        int64     `db:"id" json:"id"`
	Org       string    `db:"orgnr" json:"orgnr"`
	Error     string    `db:"order_error" json:"error"`
	RefusedAt time.Time `db:"order_refused_at" json:"refused_at"`
	Shipments int       `db:"shipments" json:"shipments"`
}

// RefusedNotificationOrders lists the refused orders, newest first.
func (s *Store) RefusedNotificationOrders(ctx context.Context) ([]RefusedOrder, error) {
	out := []RefusedOrder{}
	if err := s.db.SelectContext(ctx, &out, `SELECT n.id, n.orgnr, n.order_error, n.order_refused_at,
			(SELECT count(*) FROM notification_items i WHERE i.notification_id = n.id AND i.active) AS shipments
		FROM notifications n WHERE n.order_refused_at IS NOT NULL ORDER BY n.order_refused_at DESC, n.id DESC`); err != nil {
		return nil, fmt.Errorf("list refused notification orders: %w", err)
	}
	return out, nil
}

// OpenNotificationOrders lists sent notifications whose order is still to be
// placed (not refused for good), oldest first, at most limit.
func (s *Store) OpenNotificationOrders(ctx context.Context, limit int) ([]NotificationOrder, error) {
	var out []NotificationOrder
	if err := s.db.SelectContext(ctx, &out, `SELECT id, orgnr, order_request, order_attempts FROM notifications
		WHERE order_request IS NOT NULL AND order_id = '' AND order_refused_at IS NULL AND status = 'sent' ORDER BY id LIMIT $1`, limit); err != nil {
		return nil, fmt.Errorf("list notification orders to place: %w", err)
	}
	return out, nil
}
