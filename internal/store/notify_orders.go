package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"postvakt/internal/model"
)

// NotificationOrder is a reminder's Altinn Notifications order that still
// has to be placed: the request as first built (its idempotencyId makes
// placing it again safe: Altinn answers the same order).
type NotificationOrder struct {
	ID       int64  `db:"id"`
	Org      string `db:"orgnr"`
	Request  []byte `db:"order_request"`
	Attempts int    `db:"order_attempts"`
	// Status is the reminder's: sent (its e-mail went, the order is still
	// to place), or unknown (a reminder to a business without an e-mail
	// address, whose order may or may not have reached Altinn: placing it
	// again under its idempotencyId settles it).
	Status model.NotifyStatus `db:"status"`
}

// PrepareNotificationOrder keeps the Altinn Notifications order request of a
// pending notification, before its e-mail is sent. Once the notification is
// sent, the order is placed; an order not placed (failure, crash) is listed
// by OpenNotificationOrders. A reminder without e-mail claimed again
// after its order was refused for good (a failed row reused) keeps a new
// order, not refused yet: it leaves RefusedNotificationOrders until that
// one is refused too.
func (s *Store) PrepareNotificationOrder(ctx context.Context, id int64, request []byte) error {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_request = $2, order_error = '', order_refused_at = NULL
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
// OpenNotificationOrders lists it again from next.
func (s *Store) RecordNotificationOrderFailed(ctx context.Context, id int64, cause string, next time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_error = $2, order_next_at = $3,
			order_attempts = order_attempts + 1 WHERE id = $1 AND order_id = ''`, id, CleanText(cause), next); err != nil {
		return fmt.Errorf("record the failed notification order of %d: %w", id, err)
	}
	return nil
}

// RecordNotificationOrderRefused records that Altinn refused the order
// placed beside a sent e-mail for good (422 NOT-00001): it is listed by
// RefusedNotificationOrders and never by OpenNotificationOrders again. The
// order of a reminder without e-mail (sent by its order alone) is recorded
// refused with the reminder's outcome, in the same statement
// (ReminderOutcome.OrderRefused, FailUnknownNotification): the same columns.
func (s *Store) RecordNotificationOrderRefused(ctx context.Context, id int64, cause string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_error = $2, order_refused_at = $3,
			order_attempts = order_attempts + 1 WHERE id = $1 AND order_id = ''`, id, CleanText(cause), now); err != nil {
		return fmt.Errorf("record the refused notification order of %d: %w", id, err)
	}
	return nil
}

// RefusedOrder is a reminder whose Altinn Notifications order was refused
// for good, for the compliance officer: one placed beside an e-mail (the
// e-mail went out), or one sent by its order alone (ByOrder: the reminder
// failed, and is sent again after its wait).
type RefusedOrder struct {
	ID        int64     `db:"id" json:"id"`
	Org       string    `db:"orgnr" json:"orgnr"`
	Error     string    `db:"order_error" json:"error"`
	RefusedAt time.Time `db:"order_refused_at" json:"refused_at"`
	Shipments int       `db:"shipments" json:"shipments"`
	// ByOrder: the reminder had no e-mail address and was to go by this
	// order alone (it is failed, not sent).
	ByOrder bool `db:"by_order" json:"by_order"`
}

// RefusedNotificationOrders lists the refused orders, newest first: one
// per reminder. A reminder by order alone superseded since (a later claim
// took its letters over with others: its own order, refused or not, is
// that one's) is not listed.
func (s *Store) RefusedNotificationOrders(ctx context.Context) ([]RefusedOrder, error) {
	out := []RefusedOrder{}
	if err := s.db.SelectContext(ctx, &out, `SELECT n.id, n.orgnr, n.order_error, n.order_refused_at,
			(SELECT count(*) FROM notification_items i WHERE i.notification_id = n.id AND i.active) AS shipments,
			n.status <> 'sent' AS by_order
		FROM notifications n WHERE n.order_refused_at IS NOT NULL AND n.status <> 'superseded' ORDER BY n.order_refused_at DESC, n.id DESC`); err != nil {
		return nil, fmt.Errorf("list refused notification orders: %w", err)
	}
	return out, nil
}

// OpenNotificationOrders lists sent notifications whose order is still to be
// placed at now, and reminders without an e-mail address (sent by their
// order alone) whose order's outcome is unknown: not refused for good, past the wait after a failed attempt,
// to a Norwegian organisation (Altinn knows no other), and about a letter
// still waiting to be opened (an order placed late for letters all opened
// meanwhile would tell of nothing); the one due longest first (a new one
// before those refused again and again), at most limit.
func (s *Store) OpenNotificationOrders(ctx context.Context, now time.Time, limit int) ([]NotificationOrder, error) {
	var out []NotificationOrder
	if err := s.db.SelectContext(ctx, &out, `SELECT n.id, n.orgnr, n.order_request, n.order_attempts, n.status FROM notifications n
		WHERE n.order_request IS NOT NULL AND n.order_id = '' AND n.order_refused_at IS NULL
		  AND (n.status = 'sent' OR (n.status = 'unknown' AND n.kind = $3 AND cardinality(n.recipients) = 0))
		  AND (n.order_next_at IS NULL OR n.order_next_at <= $1) AND n.orgnr ~ '^[0-9]+$' AND length(n.orgnr) = `+strconv.Itoa(model.OrgLength("NO"))+`
		  AND EXISTS (SELECT 1 FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
			WHERE i.notification_id = n.id AND i.active AND s.state IN `+sqlOpenStates+`)
		ORDER BY n.order_next_at NULLS FIRST, n.id LIMIT $2`, now, limit, KindReminder); err != nil {
		return nil, fmt.Errorf("list notification orders to place: %w", err)
	}
	return out, nil
}

// FailUnknownNotification settles a reminder whose outcome was unknown as
// not delivered, with cause: Altinn refused its order (it never had it), so
// the next run sends it again (its attempts counted from naught, as
// ReleaseNotification does). refused (for good, 422 NOT-00001) records the
// order refused in the same statement, as RecordReminders does with
// ReminderOutcome.OrderRefused: listed by RefusedNotificationOrders once.
func (s *Store) FailUnknownNotification(ctx context.Context, id int64, cause string, refused bool, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET status = 'failed', last_error = $2, updated_at = $3, attempts = 0,
			order_error = CASE WHEN $4 THEN $2 ELSE order_error END,
			order_refused_at = CASE WHEN $4 THEN $3 ELSE order_refused_at END,
			order_attempts = order_attempts + CASE WHEN $4 THEN 1 ELSE 0 END
		WHERE id = $1 AND status = 'unknown'`, id, CleanText(cause), now, refused)
	if err != nil {
		return fmt.Errorf("mark notification %d failed: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("mark notification %d failed: no notification %d whose outcome is unknown (postvakt notifications list shows them): %w", id, id, ErrNotFound)
	}
	return nil
}
