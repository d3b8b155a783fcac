package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Notification statuses (see migration 00003 for what each means); the
// type and its rules are model.NotifyStatus.
const (
	NotifyPending    = model.NotifyPending
	NotifySent       = model.NotifySent
	NotifyFailed     = model.NotifyFailed
	NotifyUnknown    = model.NotifyUnknown
	NotifyNoAddress  = model.NotifyNoAddress
	NotifySuperseded = model.NotifySuperseded
)

// NotificationKey is the deterministic key of a reminder: a SHA-256 (hex)
// over the organisation number, the sorted shipment ids and their reminder
// numbers. The same organisation, shipments and reminder numbers always give
// the same key, whatever the order of items.
func NotificationKey(org string, items []model.ReminderItem) string {
	sorted := append([]model.ReminderItem(nil), items...)
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
	ID         int64              `db:"id"`
	Key        string             `db:"key"`
	Kind       string             `db:"kind"` // KindReminder, or a notice's kind (then Org is its group)
	Org        string             `db:"orgnr"`
	Status     model.NotifyStatus `db:"status"`
	Recipients pq.StringArray     `db:"recipients"`
	MessageID  string             `db:"message_id"`
	Attempts   int                `db:"attempts"`
	LastError  string             `db:"last_error"`
	CreatedAt  time.Time          `db:"created_at"`
	ClaimedAt  time.Time          `db:"claimed_at"`
	SentAt     *time.Time         `db:"sent_at"`
	Shipments  int                `db:"shipments"` // active items (lists only)

	// Items are the reminders a claimed notification lists, as claimed.
	Items []model.ReminderItem `db:"-"`
}

const notificationColumns = `n.id, n.key, n.kind, n.orgnr, n.status, n.recipients, n.message_id, n.attempts,
	n.last_error, n.created_at, n.claimed_at, n.sent_at`

// Claim asks to send one reminder message: to an organisation, listing
// items, to the given addresses, as of now.
type Claim struct {
	Org        string
	Items      []model.ReminderItem
	Recipients []string
	Now        time.Time
	// ByOrder: without Recipients the message is still sent (pending, not
	// no_address), as an Altinn Notifications order to the organisation by
	// its number (Altinn finds its notification addresses).
	ByOrder bool
}

// Dropped is an item left out of a claimed message, with why (Reason,
// from model.Eligible) in words (Detail).
type Dropped struct {
	model.ReminderItem
	Reason model.Drop
	Detail string
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
	// Busy is true when another transaction held some of the claimed
	// shipments (another run's claim, a poll writing them): nothing was
	// claimed for the organisation, the next run tries again. A claim of
	// many organisations does not wait for it.
	Busy bool
	// Recorded is how many escalation decisions (the items' Step) the claim
	// recorded in the letters' evidence.
	Recorded int
}

// MarkNotificationSent is the record stage after the SMTP server accepted a
// message: in one transaction the notification becomes sent, and every
// shipment it lists gets its reminder counted (reminders_sent, the time of
// the last reminder, stage reminded) and a reminder event naming the
// notification. A notification turned unknown meanwhile (its lease ran out)
// may still be marked sent: the server did accept it.
func (s *Store) MarkNotificationSent(ctx context.Context, id int64, messageID string, now time.Time) error {
	return s.markSent(ctx, id, messageID, now, false)
}

// MaxMessageIDLen is the longest Message-ID a notification is confirmed
// with (the Reminders page, notifications confirm): a mail header's line
// (RFC 5322's 998 characters).
const MaxMessageIDLen = 998

// ConfirmNotificationSent is a person's answer for a notification whose
// outcome was unknown and that was, after checking, delivered: it is
// recorded as MarkNotificationSent does, but as sent when its send began
// (its claim), not when it was confirmed, so the next reminder counts from
// the real sending. The reminder events say when it was confirmed. Only
// an unknown outcome is confirmed: a pending notification is a run's to
// send (ErrNotFound).
func (s *Store) ConfirmNotificationSent(ctx context.Context, id int64, messageID string, now time.Time) error {
	return s.markSent(ctx, id, messageID, now, true)
}

func (s *Store) markSent(ctx context.Context, id int64, messageID string, now time.Time, confirmed bool) error {
	// One statement, so one round trip and atomic: the notification, the
	// counts on its shipments and their events.
	var res struct {
		Marked int `db:"marked"`
		Events int `db:"events"`
	}
	stmt, err := s.prepared(ctx, markSentSQL)
	if err == nil {
		err = stmt.GetContext(ctx, &res, id, messageID, now, EventReminder, SourcePolicy, EventNotice, confirmed)
	}
	if err != nil {
		return fmt.Errorf("mark notification %d sent: %w", id, err)
	}
	if res.Marked == 0 {
		if confirmed {
			// A person confirms an unknown outcome only: a pending one is a
			// run's to send (confirmed, it was counted and never sent).
			return fmt.Errorf("confirm notification %d sent: no notification %d whose outcome is unknown (postvakt notifications list shows them): %w", id, id, ErrNotFound)
		}
		return fmt.Errorf("mark notification %d sent: it is not pending or unknown: %w", id, ErrNotFound)
	}
	return nil
}

// sqlReminderSent is the evidence's words for reminder c.reminder of
// notification n sent: by e-mail to its addresses, or, with none, through
// Altinn Notifications (an order to the organisation by its number); an
// e-mail that went because Altinn refused the reminder's order
// (n.order_given_up, sqlOrderGivenUp) says so.
const sqlReminderSent = `format('reminder %s sent %s to organisation %s (notification %s, %s)%s', c.reminder,
	CASE WHEN cardinality(n.recipients) = 0 THEN 'through Altinn Notifications' ELSE 'by e-mail' END, n.orgnr, n.id,
	CASE WHEN cardinality(n.recipients) = 0 THEN 'ordered by organisation number' ELSE cardinality(n.recipients) || ' address(es)' END,
	CASE WHEN n.order_given_up THEN '; Altinn Notifications refused its order, so it went by e-mail' ELSE '' END)`

// sqlOrderGivenUp is true for a notification whose order was given up for
// an e-mail (FallBackToEmail: the request dropped, Altinn's answer kept),
// as RETURNING column order_given_up.
const sqlOrderGivenUp = `(order_request IS NULL AND order_error <> '') AS order_given_up`

// markSentSQL is MarkNotificationSent's statement.
// $7: a person's confirmation, dated at the claim (see
// ConfirmNotificationSent).
var markSentSQL = `WITH n AS (
			UPDATE notifications SET status = 'sent', message_id = $2,
				sent_at = CASE WHEN $7 THEN LEAST(claimed_at, $3) ELSE $3 END, updated_at = $3,
				last_error = CASE WHEN last_error LIKE 'refused permanently:%' THEN last_error ELSE '' END
			WHERE id = $1 AND status IN ('pending', 'unknown') AND (NOT $7 OR status = 'unknown')
			RETURNING id, kind, orgnr, recipients, sent_at, ` + sqlOrderGivenUp + `),
		items AS (
			SELECT i.shipment_id, i.reminder FROM notification_items i JOIN n ON n.id = i.notification_id
			WHERE i.active),
		counted AS (
			UPDATE shipments s SET reminders_sent = GREATEST(s.reminders_sent, items.reminder),
				last_reminded_at = GREATEST(s.last_reminded_at, (SELECT sent_at FROM n)),
				stage = CASE WHEN s.stage = ` + sqlStage(model.StageNone) + ` THEN ` + sqlStage(model.StageReminded) + ` ELSE s.stage END
			FROM items WHERE s.id = items.shipment_id
			RETURNING s.id, items.reminder),
		ev AS (
			INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message, payload)
			SELECT c.id, $4, $5, n.sent_at,
				` + sqlReminderSent + `
					|| CASE WHEN $7 THEN format('; its outcome unknown, confirmed as sent on %s', to_char($3::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')) ELSE '' END,
				jsonb_build_object('notification_id', n.id, 'reminder', c.reminder, 'message_id', $2::text,
					'org', n.orgnr, 'recipients', to_jsonb(n.recipients))
					|| CASE WHEN $7 THEN jsonb_build_object('confirmed_at', $3::timestamptz) ELSE '{}'::jsonb END
			FROM counted c CROSS JOIN n
			RETURNING 1),
		notice_ev AS (
			INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message, payload)
			SELECT nn.shipment_id, $6, $5, n.sent_at,
				format('%s notice sent by e-mail (notification %s, %s address(es))', n.kind, n.id, cardinality(n.recipients)),
				jsonb_build_object('notification_id', n.id, 'kind', n.kind, 'ref', nn.ref, 'message_id', $2::text)
			FROM notification_notices nn JOIN n ON n.id = nn.notification_id
			WHERE nn.active AND nn.shipment_id IS NOT NULL
			RETURNING 1)
		SELECT (SELECT count(*) FROM n) AS marked, (SELECT count(*) FROM ev) + (SELECT count(*) FROM notice_ev) AS events`

// NoteRefusedRecipients records, before a notification is marked sent,
// that the SMTP server refused some of its recipients permanently: its
// recipients become those that took it, and why the others did not is kept
// in last_error (MarkNotificationSent keeps it).
func (s *Store) NoteRefusedRecipients(ctx context.Context, id int64, accepted []string, note string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET recipients = $2, last_error = $3
		WHERE id = $1 AND status IN ('pending', 'unknown')`, id, pq.StringArray(accepted), CleanText(note)); err != nil {
		return fmt.Errorf("note refused recipients of notification %d: %w", id, err)
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
// becomes failed with its attempts counted from naught, so the next run
// sends it (model.RetryAfter).
func (s *Store) ReleaseNotification(ctx context.Context, id int64, now time.Time) error {
	return s.setStatus(ctx, id, NotifyFailed, "released for a new attempt after an unknown outcome", now, NotifyUnknown)
}

// setStatus moves a notification from one status to another; one released
// from unknown to failed has its attempts counted from naught.
func (s *Store) setStatus(ctx context.Context, id int64, status model.NotifyStatus, cause string, now time.Time, from model.NotifyStatus) error {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET status = $2, last_error = $3, updated_at = $4,
			attempts = CASE WHEN $5 = 'unknown' AND $2 = 'failed' THEN 0 ELSE attempts END
		WHERE id = $1 AND status = $5`, id, status, CleanText(cause), now, from)
	if err != nil {
		return fmt.Errorf("mark notification %d %s: %w", id, status, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("mark notification %d %s: no notification %d whose outcome is %s (postvakt notifications list shows them): %w", id, status, id, from, ErrNotFound)
	}
	return nil
}

// BeginSend records, just before a claimed notification's message is
// handed to the mail server, that its send has begun: from then on a crash
// leaves its outcome unknown. It holds only while the claim does (the row
// pending, claimed at claimedAt, its send not begun): otherwise the message
// is not this run's to send (its lease ran out and another run took it
// over) and it answers ErrNotFound.
//
// A reminder one of whose letters was opened (or failed, or stopped
// escalating: model.Eligible's rules) since the claim is not begun, and
// BeginSend answers ErrListedLetterChanged: it is given back as failed,
// that claim not counted as an attempt, and the next escalation run claims
// the organisation's message again without that letter (superseding the
// given-back one); when none of its letters is left, it is superseded at
// once (nothing is owed).
func (s *Store) BeginSend(ctx context.Context, id int64, claimedAt time.Time) error {
	stmt, err := s.prepared(ctx, beginSendSQL)
	if err != nil {
		return fmt.Errorf("begin sending notification %d: %w", id, err)
	}
	var begun bool
	if err := stmt.GetContext(ctx, &begun, id, claimedAt); err != nil {
		return fmt.Errorf("begin sending notification %d: %w", id, notFound(err))
	}
	if !begun {
		return fmt.Errorf("begin sending notification %d: %w", id, ErrListedLetterChanged)
	}
	return nil
}

// ErrListedLetterChanged: a letter a claimed reminder lists was opened or
// stopped escalating after the claim; the message was given back unsent.
var ErrListedLetterChanged = errors.New("a letter it lists was opened or stopped escalating after the claim: given back unsent, the next run sends the message without it")

// beginSendSQL clears the claim's marker (migration 00023: the claim set
// untried_claim to its claimed_at) and answers true; for a reminder with a
// letter no longer escalating it gives the claim back instead (failed, not
// counted) and answers false. No row: not this run's claim any more.
var beginSendSQL = `WITH n AS (
		SELECT n.id, EXISTS (SELECT 1 FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
				WHERE i.notification_id = n.id AND i.active AND NOT (` + sqlRemindable + `)) AS stale,
			EXISTS (SELECT 1 FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
				WHERE i.notification_id = n.id AND i.active AND ` + sqlRemindable + `) AS some_left
		FROM notifications n WHERE n.id = $1 AND n.status = 'pending' AND n.claimed_at = $2 AND n.untried_claim = $2
		FOR UPDATE OF n)
	UPDATE notifications t SET untried_claim = NULL,
		status = CASE WHEN NOT n.stale THEN t.status WHEN n.some_left THEN 'failed' ELSE 'superseded' END,
		attempts = CASE WHEN n.stale THEN greatest(t.attempts - 1, 0) ELSE t.attempts END,
		last_error = CASE WHEN NOT n.stale THEN t.last_error
			WHEN n.some_left THEN 'a letter it lists was opened or stopped escalating after the claim: sent by the next run without it'
			ELSE 'every letter it lists was opened or stopped escalating after the claim: nothing to send' END
	FROM n WHERE t.id = n.id
	RETURNING NOT n.stale`

// Why a run gave back a notification it claimed and did not begin to send
// (GiveBackNotification): its last_error, what the unresolved list shows.
const (
	// GivenBackStop: the run was asked to stop (a deploy, SIGTERM).
	GivenBackStop = "the sending run stopped (a deploy?) after claiming it, before sending it: sent by the next run"
	// GivenBackWindowClosed: the send window of its letters closed during
	// the run (a run begun shortly before the window closes).
	GivenBackWindowClosed = "the send window closed during the sending run, after claiming it, before sending it: sent in the next window"
)

// GiveBackNotification gives back a pending notification this run claimed
// (at claimedAt) and did not begin to send, for why (GivenBackStop,
// GivenBackWindowClosed): it becomes failed with the claim not counted as
// an attempt, so the next run sends it at once (model.RetryAfter), as
// ExpirePendingNotifications does after the lease for a run that died. One
// whose send began, or that another run took, is left as it is.
func (s *Store) GiveBackNotification(ctx context.Context, id int64, claimedAt, now time.Time, why string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET status = 'failed', untried_claim = NULL, updated_at = $3,
			attempts = greatest(attempts - 1, 0), last_error = $4
		WHERE id = $1 AND status = 'pending' AND claimed_at = $2 AND untried_claim = $2`, id, claimedAt, now, why); err != nil {
		return fmt.Errorf("give back notification %d: %w", id, err)
	}
	return nil
}

// ExpirePendingNotifications ends the pending notifications claimed more
// than lease before now, whose run died between claiming and recording, and
// returns them. One whose send certainly never began (its claim's marker
// still set, BeginSend) becomes failed, that claim not counted as an
// attempt: the next claim sends it. Any other
// becomes unknown: whether the message went out cannot be known, so it is
// never sent again blindly.
func (s *Store) ExpirePendingNotifications(ctx context.Context, now time.Time, lease time.Duration) ([]Notification, error) {
	var out []Notification
	err := s.db.SelectContext(ctx, &out, `UPDATE notifications n
		SET status = CASE WHEN untried_claim = claimed_at THEN 'failed' ELSE 'unknown' END, untried_claim = NULL, updated_at = $1,
			-- a claim whose send never began was no attempt (model.RetryAfter)
			attempts = CASE WHEN untried_claim = claimed_at THEN greatest(attempts - 1, 0) ELSE attempts END,
			last_error = CASE WHEN untried_claim = claimed_at
				THEN 'the sending run stopped (crash?) after claiming it, before sending it: sent by a later run'
				ELSE 'no outcome recorded within the lease: the sending run stopped (crash?) while sending it' END
		WHERE status = 'pending' AND claimed_at < $2 RETURNING `+notificationColumns, now, now.Add(-lease))
	if err != nil {
		return nil, fmt.Errorf("expire pending notifications: %w", err)
	}
	return out, nil
}

// UnresolvedNotifications lists what the compliance officer must look at:
// notifications with an unknown outcome, organisations without an address,
// and failed sends waiting for a retry; oldest first, with how many
// shipments each lists. A reminder without an address or whose send
// failed is listed, as on /reminders (NotificationsToSettle), while one
// of its letters may still be reminded of, with those letters: one whose
// letters were all opened, handed to print or closed since is sent by no
// run.
func (s *Store) UnresolvedNotifications(ctx context.Context) ([]Notification, error) {
	var out []Notification
	err := s.db.SelectContext(ctx, &out, `SELECT `+notificationColumns+`, CASE WHEN n.kind = '`+KindReminder+`' AND n.status <> 'unknown'
				THEN w.remindable
				ELSE (SELECT count(*) FROM notification_items i WHERE i.notification_id = n.id AND i.active) +
					(SELECT count(*) FROM notification_notices i WHERE i.notification_id = n.id AND i.active) END AS shipments
		FROM notifications n, LATERAL (SELECT count(*) AS remindable FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
			WHERE i.notification_id = n.id AND i.active AND `+sqlRemindable+`) w
		WHERE status IN ('unknown', 'no_address', 'failed')
			AND (n.kind <> '`+KindReminder+`' OR n.status = 'unknown' OR w.remindable > 0)
		ORDER BY n.id`)
	if err != nil {
		return nil, fmt.Errorf("list unresolved notifications: %w", err)
	}
	return out, nil
}

func splitItems(items []model.ReminderItem) ([]string, []int64) {
	ids := make([]string, len(items))
	nums := make([]int64, len(items))
	for i, it := range items {
		ids[i], nums[i] = it.ShipmentID, int64(it.Reminder)
	}
	return ids, nums
}
