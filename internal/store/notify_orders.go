package store

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"

	"github.com/lib/pq"
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
	// Letter is what decides the policy of its reminder, of its first
	// letter still waiting (OpenNotificationOrders): whose send window a
	// retry keeps to.
	Letter OrderLetter
	// NextAt is when the order was due (nil: never tried): with ID, where
	// a listing goes on from (Cursor).
	NextAt *time.Time `db:"order_next_at"`
}

// OrderCursor is where a listing of orders to place goes on from
// (OpenNotificationOrders): after the order it was taken from; the zero
// value lists from the start.
type OrderCursor struct {
	nextAt *time.Time
	id     int64
}

// Cursor is where a listing goes on after o.
func (o NotificationOrder) Cursor() OrderCursor { return OrderCursor{nextAt: o.NextAt, id: o.ID} }

// OrderLetter is the facts of a letter of a reminder a policy is matched by.
type OrderLetter struct {
	Channel       string `db:"l_channel"`
	Class         string `db:"l_class"`
	Confidential  bool   `db:"l_confidential"`
	RecipientKind string `db:"l_recipient_kind"`
	SenderOrg     string `db:"l_sender_org"`
	SenderUnit    string `db:"l_sender_unit"`
}

// PrepareNotificationOrder keeps the Altinn Notifications order request of a
// pending notification, before its e-mail is sent. Once the notification is
// sent, the order is placed; an order not placed (failure, crash) is listed
// by OpenNotificationOrders. A reminder claimed again after its order was
// refused (a failed row reused) starts without it (the claim clears an
// earlier try's order: sqlOrderOfAnEarlierTry), so it leaves
// RefusedNotificationOrders when claimed, and its new order is listed
// there only once that one is refused too.
func (s *Store) PrepareNotificationOrder(ctx context.Context, id int64, request []byte) error {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET order_request = $2
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

// FallBackToEmail records, before the e-mail is sent, that a reminder
// claimed to go by its Altinn Notifications order alone (Claim.ByOrder),
// whose send has begun, goes by e-mail to recipients instead: Altinn
// refused the order (it was not placed; cause is its answer). From here the
// reminder is an e-mail to those addresses, as if claimed so: a run that
// stops now leaves it unknown, never sent again by itself. Its order is
// given up in the same statement: the request dropped, so that neither
// RetryOrders nor a confirmation places it beside the e-mail (the one
// reminder twice) nor settles the reminder by it, and Altinn's answer kept
// in order_error; refused for good (refused: 422 NOT-00001) it is recorded
// as RecordNotificationOrderRefused does, and listed as an order refused
// beside an e-mail once the e-mail is sent.
func (s *Store) FallBackToEmail(ctx context.Context, id int64, recipients []string, cause string, refused bool, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET recipients = $2, order_request = NULL, order_error = $3,
			order_refused_at = CASE WHEN $4 THEN $5::timestamptz END, order_attempts = order_attempts + 1, updated_at = $5
		WHERE id = $1 AND status = 'pending' AND untried_claim IS NULL AND order_id = '' AND cardinality(recipients) = 0`,
		id, pq.StringArray(recipients), CleanText(cause), refused, now)
	if err != nil {
		return fmt.Errorf("send reminder %d by e-mail after its order was refused: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("send reminder %d by e-mail after its order was refused: it is not a begun reminder by order alone: %w", id, ErrNotFound)
	}
	return nil
}

// RefusedOrder is a reminder whose Altinn Notifications order was refused
// for good, for the compliance officer: one placed beside an e-mail (the
// e-mail went out), or one sent by its order alone (ByOrder: the reminder
// failed, and is sent again after its wait). What, Follows and Reason say
// it in words: the command line's English and the web page's language
// from the same catalogue entries.
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

// What is what was refused: "order refused" (beside an e-mail) or "order
// refused, no e-mail" (a reminder by order alone).
func (o RefusedOrder) What() i18n.Phrase {
	if o.ByOrder {
		return i18n.P("refused.what_no_email")
	}
	return i18n.P("refused.what")
}

// Follows is what follows the refusal: beside an e-mail, the e-mail went
// out and the order is not placed again; by order alone, the reminder
// failed and is sent again after its wait (remind's sendByOrder).
func (o RefusedOrder) Follows() i18n.Phrase {
	if o.ByOrder {
		return i18n.P("refused.follows_no_email")
	}
	return i18n.P("refused.follows")
}

// altinnCode finds Altinn's error code in a kept error (remind.Notifier
// writes it after ErrOrderRefused's words: "…by Altinn: NOT-00001 …").
var altinnCode = regexp.MustCompile(`\bNOT-[0-9]{5}\b`)

// Code is Altinn's error code the refusal was kept with (NOT-00001), ""
// when the kept error names none.
func (o RefusedOrder) Code() string { return altinnCode.FindString(o.Error) }

// Reason is Altinn's code with what it means; the zero Phrase when the
// kept error names no code.
func (o RefusedOrder) Reason() i18n.Phrase {
	switch code := o.Code(); code {
	case "":
		return i18n.Phrase{}
	case "NOT-00001":
		return i18n.P("refused.reason_no_contact", "Code", code)
	default:
		return i18n.P("refused.reason", "Code", code)
	}
}

// RefusedCount says how many orders were refused for good: the command
// line's summary and the web page's count.
func RefusedCount(n int) i18n.Phrase { return i18n.P("refused.count", "Count", n) }

// refusedWhere is which orders are listed as refused: refused for good,
// the reminder not superseded since (a later claim took its letters over
// with others: its own order, refused or not, is that one's). With a
// scope: one of the reminder's active letters is in it.
func refusedWhere(c *sqlConds, scope Scope) {
	c.add("n.order_refused_at IS NOT NULL AND n.status <> 'superseded'")
	if scope == (Scope{}) {
		return
	}
	in := sqlConds{args: c.args}
	addScope(&in, scope)
	c.args = in.args
	c.add(`EXISTS (SELECT 1 FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
		JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE i.notification_id = n.id AND i.active AND ` + in.String() + `)`)
}

// refusedOrders lists the refused orders in scope, newest first, at most
// limit (0: all).
func (s *Store) refusedOrders(ctx context.Context, scope Scope, limit int) ([]RefusedOrder, error) {
	var c sqlConds
	refusedWhere(&c, scope)
	q := `SELECT n.id, n.orgnr, n.order_error, n.order_refused_at,
			(SELECT count(*) FROM notification_items i WHERE i.notification_id = n.id AND i.active) AS shipments,
			n.status <> 'sent' AS by_order
		FROM notifications n WHERE ` + c.String() + ` ORDER BY n.order_refused_at DESC, n.id DESC`
	if limit > 0 {
		c.args = append(c.args, limit)
		q += fmt.Sprintf(" LIMIT $%d", len(c.args))
	}
	out := []RefusedOrder{}
	if err := s.db.SelectContext(ctx, &out, q, c.args...); err != nil {
		return nil, fmt.Errorf("list refused notification orders: %w", err)
	}
	return out, nil
}

// RefusedNotificationOrders lists the refused orders, newest first: one
// per reminder (refusedWhere says which).
func (s *Store) RefusedNotificationOrders(ctx context.Context) ([]RefusedOrder, error) {
	return s.refusedOrders(ctx, Scope{}, 0)
}

// RefusedOrderLetter is a letter a refused order's reminder lists: its
// reference at the channel and who sent it, never its title.
type RefusedOrderLetter struct {
	ShipmentID    string `db:"shipment_id"`
	Channel       string `db:"channel"`
	ChannelID     string `db:"channel_id"`
	SenderOrg     string `db:"sender_org"`
	SenderOrgName string `db:"sender_org_name"`
}

// RefusedOrderView is a refused order as the web page shows it: with the
// receiving organisation's name and the reminder's letters in scope
// (Shipments counts them all, as the command line does).
type RefusedOrderView struct {
	RefusedOrder
	OrgName string
	Letters []RefusedOrderLetter
}

// SenderOrgs are the sending organisations of the letters in view, each
// once, in the letters' order.
func (v RefusedOrderView) SenderOrgs() []RefusedOrderLetter {
	var out []RefusedOrderLetter
	seen := map[string]bool{}
	for _, l := range v.Letters {
		if !seen[l.SenderOrg] {
			seen[l.SenderOrg] = true
			out = append(out, l)
		}
	}
	return out
}

// Hidden is how many of the reminder's letters are not in view (another
// organisation's or unit's).
func (v RefusedOrderView) Hidden() int { return max(v.Shipments-len(v.Letters), 0) }

// RefusedOrderList is the refused orders in a scope: the newest (at most
// the limit asked) and how many there are in all.
type RefusedOrderList struct {
	Orders []RefusedOrderView
	Total  int
}

// RefusedOrdersIn lists the refused orders whose reminder lists a letter
// in scope (with the empty scope every one, as RefusedNotificationOrders),
// newest first, at most limit (1 to 1000; else 500), each with its letters
// in scope, and counts them all.
func (s *Store) RefusedOrdersIn(ctx context.Context, scope Scope, limit int) (*RefusedOrderList, error) {
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	var c sqlConds
	refusedWhere(&c, scope)
	out := &RefusedOrderList{}
	if err := s.db.GetContext(ctx, &out.Total, `SELECT count(*) FROM notifications n WHERE `+c.String(), c.args...); err != nil {
		return nil, fmt.Errorf("count refused notification orders: %w", err)
	}
	orders, err := s.refusedOrders(ctx, scope, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(orders))
	orgs := make([]string, len(orders))
	for i, o := range orders {
		ids[i], orgs[i] = o.ID, o.Org
	}
	var names []struct {
		Org  string `db:"ident"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &names, `SELECT ident, name FROM recipients WHERE kind = 'org' AND ident = ANY($1)`,
		pq.Array(orgs)); err != nil {
		return nil, fmt.Errorf("list refused notification orders: read the organisations' names: %w", err)
	}
	name := map[string]string{}
	for _, n := range names {
		name[n.Org] = n.Name
	}
	var lc sqlConds
	lc.add("i.notification_id = ANY(?) AND i.active", pq.Array(ids))
	addScope(&lc, scope)
	var letters []struct {
		NotificationID int64 `db:"notification_id"`
		RefusedOrderLetter
	}
	if err := s.db.SelectContext(ctx, &letters, `SELECT i.notification_id, s.id AS shipment_id, s.channel, s.channel_id,
			o.orgnr AS sender_org, o.name AS sender_org_name
		FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
		JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE `+lc.String()+` ORDER BY i.notification_id, s.sent_at, s.id`, lc.args...); err != nil {
		return nil, fmt.Errorf("list refused notification orders: read their letters: %w", err)
	}
	byID := map[int64][]RefusedOrderLetter{}
	for _, l := range letters {
		byID[l.NotificationID] = append(byID[l.NotificationID], l.RefusedOrderLetter)
	}
	out.Orders = make([]RefusedOrderView, len(orders))
	for i, o := range orders {
		out.Orders[i] = RefusedOrderView{RefusedOrder: o, OrgName: name[o.Org], Letters: byID[o.ID]}
	}
	return out, nil
}

// OpenNotificationOrders lists sent notifications whose order is still to be
// placed at now, and reminders without an e-mail address (sent by their
// order alone) whose order's outcome is unknown: not refused for good, past the wait after a failed attempt,
// to a Norwegian organisation (Altinn knows no other), and about a letter
// a reminder may still list (waiting to be opened, its escalation going
// on: the rule the e-mail's BeginSend and model.Eligible keep; an order
// placed late for letters all opened, closed or handed to print meanwhile
// would tell of nothing); the one due longest first (a new one
// before those refused again and again), at most limit, after the order
// after was taken from (its Cursor): orders a run leaves for later (outside
// their send window) do not hold back the ones after them.
func (s *Store) OpenNotificationOrders(ctx context.Context, now time.Time, after OrderCursor, limit int) ([]NotificationOrder, error) {
	var out []NotificationOrder
	if err := s.db.SelectContext(ctx, &out, `SELECT n.id, n.orgnr, n.order_request, n.order_attempts, n.status, n.order_next_at,
			l.channel AS "letter.l_channel", l.class AS "letter.l_class", l.confidential AS "letter.l_confidential",
			l.kind AS "letter.l_recipient_kind", l.sender_org AS "letter.l_sender_org", l.unit AS "letter.l_sender_unit"
		FROM notifications n
		JOIN LATERAL (SELECT s.channel, s.class, s.confidential, r.kind, o.orgnr AS sender_org, u.name AS unit
			FROM notification_items i JOIN shipments s ON s.id = i.shipment_id JOIN recipients r ON r.id = s.recipient_id
			JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
			WHERE i.notification_id = n.id AND i.active AND `+sqlRemindable+`
			ORDER BY s.sent_at, s.id LIMIT 1) l ON true
		WHERE n.order_request IS NOT NULL AND n.order_id = '' AND n.order_refused_at IS NULL
		  AND (n.status = 'sent' OR (n.status = 'unknown' AND n.kind = $3 AND cardinality(n.recipients) = 0))
		  AND (n.order_next_at IS NULL OR n.order_next_at <= $1) AND n.orgnr ~ '^[0-9]+$' AND length(n.orgnr) = `+strconv.Itoa(model.OrgLength("NO"))+`
		  AND (COALESCE(n.order_next_at, '-infinity'), n.id) > (COALESCE($4::timestamptz, '-infinity'), $5)
		ORDER BY COALESCE(n.order_next_at, '-infinity'), n.id LIMIT $2`, now, limit, KindReminder, after.nextAt, after.id); err != nil {
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
