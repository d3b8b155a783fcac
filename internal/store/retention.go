package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// anonymousPerson is the ident of the one recipient row that purged letters
// to persons point to: the person's national id and name are gone, the
// letter still counts in the statistics as one to a person.
const anonymousPerson = "anonymised"

// RetentionCandidate is a letter whose personal data may be due for purge:
// what choosing its policy needs, and its last change.
type RetentionCandidate struct {
	ID            string    `db:"id"`
	Channel       string    `db:"channel"`
	Class         string    `db:"class"`
	Confidential  bool      `db:"confidential"`
	RecipientKind string    `db:"recipient_kind"`
	SenderOrg     string    `db:"sender_org"`
	SenderUnit    string    `db:"sender_unit"`
	LastChange    time.Time `db:"last_change"`
}

// RetentionCandidates lists letters not yet purged whose last change is
// before before, in id order after afterID, at most limit. A change is the
// sending, the last state change the channel reported, and the last thing
// postvakt or a person did about the letter (a reminder, a print order,
// manual handling, a follow-up decision; a follow-up still open, at its
// deadline): a back-filled letter whose state
// dates from years ago keeps this week's follow-up and its evidence for the
// whole retention period.
//
// sqlActs are the sources of those acts (not the registration: a letter
// imported today that was opened years ago is as old as its opening).
func (s *Store) RetentionCandidates(ctx context.Context, before time.Time, afterID string, limit int) ([]RetentionCandidate, error) {
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	var out []RetentionCandidate
	err := s.db.SelectContext(ctx, &out, `SELECT s.id, s.channel, s.class, s.confidential, r.kind AS recipient_kind,
			o.orgnr AS sender_org, u.name AS sender_unit, `+sqlLastChange+` AS last_change
		FROM shipments s JOIN recipients r ON r.id = s.recipient_id
		JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		`+sqlLastAct+`
		WHERE s.purged_at IS NULL AND s.sent_at < $1 AND s.state_changed_at < $1
			AND (act.last_act IS NULL OR act.last_act < $1) AND s.id > $2
		ORDER BY s.id LIMIT $3`, before, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list letters due for the retention purge: %w", err)
	}
	return out, nil
}

var sqlActs = sqlList([]string{SourcePolicy, SourceUser, SourcePrint, SourceRegister})

// sqlLastAct joins, to the letter s, act.last_act: when postvakt or a
// person last did something about it (sqlActs), NULL for never; and
// sqlLastChange is its last change. RetentionCandidates lists by them and
// PurgeShipments checks them again under its lock. A follow-up still open
// counts at its deadline: opening it writes no event (only the notice to
// its unit, when one goes out, does), so a letter back-filled from years
// ago and rejected then had its follow-up opened and closed by the purge
// the same night, the unit asked for a decision it could no longer record.
var sqlLastAct = `LEFT JOIN LATERAL (SELECT GREATEST(
				(SELECT max(e.observed_at) FROM shipment_events e WHERE e.shipment_id = s.id AND e.source IN (` + sqlActs + `)),
				(SELECT f.deadline FROM followups f WHERE f.shipment_id = s.id AND f.decision IS NULL)) AS last_act) act ON true`

const sqlLastChange = `GREATEST(s.sent_at, s.state_changed_at, act.last_act)`

// RetentionDue is a letter the retention purge is to purge: its last change
// (RetentionCandidate.LastChange) is before Before, its policy's cut-off.
type RetentionDue struct {
	ID     string
	Before time.Time
}

// DueBefore is ids, each due when its last change is before before.
func DueBefore(ids []string, before time.Time) []RetentionDue {
	out := make([]RetentionDue, len(ids))
	for i, id := range ids {
		out[i] = RetentionDue{ID: id, Before: before}
	}
	return out
}

// ShipmentPurge counts what purging letters' personal data removed.
type ShipmentPurge struct {
	Shipments     int64 // letters purged: title gone, a person recipient anonymised
	Events        int64 // their evidence events deleted
	Persons       int64 // persons (national id and name) deleted: no letter of theirs is left
	Notes         int64 // follow-up notes cleared
	PrintRequests int64 // print orders' requests (postal addresses) and errors cleared
	Manual        int64 // manual-handling details cleared
	Notifications int64 // notifications whose recipients and order requests were cleared
	PrintPending  int64 // letters kept: their print order is not placed yet (lookup, held or queued)
	Changed       int64 // letters kept: changed since they were listed, no longer due
	Polling       int64 // letters kept: being polled (claimed) as the purge ran
	// FollowUpsClosed: follow-ups of purged letters still open (no
	// decision), closed by the purge: no decision on a purged letter can
	// be recorded (ErrPurged).
	FollowUpsClosed int64
}

// sqlPrintNotPlaced are the print order states before the provider has the
// order.
var sqlPrintNotPlaced = sqlList([]string{PrintStateLookup, PrintStateHeld, PrintStateQueued})

// PurgeShipments lets the personal data of letters go, irreversibly, in
// one transaction that tells the append-only triggers it is the retention
// purge: the title; the recipient, when a person (the letter then points to
// one anonymous person, and a person with no letter left is deleted, with
// their national id and name); the evidence events; the follow-up notes;
// the print orders' requests (postal addresses) and errors; manual-handling
// details; the recipients and order requests of the notifications that
// listed them. A follow-up still open is closed, decided by actor
// (FollowUpsClosed). What statistics need stays: channel, class, state, stage,
// dates, sending unit, a receiving organisation's number; and of a print,
// what a court asks: the order (the provider's id, its state, when it was
// ordered and when the provider accepted it, placed_at). A letter whose
// print order is not placed yet is kept, and counted (PrintPending); so is
// one whose last change, read again once it is locked, is no longer before
// its cut-off (Changed): a reminder, a follow-up decision or a state change
// committed since the letter was listed keeps it, with its evidence. The
// purge is itself written to the audit log with its counts.
func (s *Store) PurgeShipments(ctx context.Context, due []RetentionDue, now time.Time, actor string) (ShipmentPurge, error) {
	var p ShipmentPurge
	if len(due) == 0 {
		return p, nil
	}
	ids := make([]string, len(due))
	before := make(map[string]time.Time, len(due))
	for i, d := range due {
		ids[i], before[d.ID] = d.ID, d.Before
	}
	arr := pq.Array(ids)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL postvakt.retention_purge = 'on'`); err != nil {
			return fmt.Errorf("retention purge: %w", err)
		}
		var anon int64
		if err := tx.GetContext(ctx, &anon, `INSERT INTO recipients (kind, ident, name) VALUES ('person', $1, '')
			ON CONFLICT (kind, ident) DO UPDATE SET name = '' RETURNING id`, anonymousPerson); err != nil {
			return fmt.Errorf("retention purge: anonymous person: %w", err)
		}
		// The letters first (FOR UPDATE: nothing else changes them
		// meanwhile), then, in later statements that see what committed
		// while they waited, what keeps one and their persons.
		var letters []struct {
			ID        string `db:"id"`
			Recipient int64  `db:"recipient_id"`
			Kind      string `db:"kind"`
		}
		if err := tx.SelectContext(ctx, &letters, `SELECT s.id, s.recipient_id, r.kind FROM shipments s JOIN recipients r ON r.id = s.recipient_id
			WHERE s.id = ANY($1::uuid[]) AND s.purged_at IS NULL ORDER BY s.id FOR UPDATE OF s`, arr); err != nil {
			return fmt.Errorf("retention purge: letters: %w", err)
		}
		// A print order not placed yet (its address being looked up, held
		// for approval, or queued in the outbox) keeps its letter: the
		// order's request is the postal address the provider is to get, and
		// a queued order once claimed may have reached the provider, so it
		// is sent again under its key until the provider answers. Placed,
		// rejected or skipped, the order is a change like any other, and
		// the letter's retention counts from it.
		var pending []string
		if err := tx.SelectContext(ctx, &pending, `SELECT shipment_id FROM print_orders
			WHERE shipment_id = ANY($1::uuid[]) AND state IN (`+sqlPrintNotPlaced+`)`, arr); err != nil {
			return fmt.Errorf("retention purge: print orders not placed: %w", err)
		}
		p.PrintPending = int64(len(pending))
		keep := make(map[string]bool, len(pending))
		for _, id := range pending {
			keep[id] = true
		}
		// A letter being polled as the purge runs (its poll_queue row
		// claimed until after now) is kept tonight: its poll's answer,
		// written after the purge, would bring evidence back to a purged
		// letter. The rows are locked, so no claim starts before they go
		// (a claim skips locked rows).
		var polling []string
		if err := tx.SelectContext(ctx, &polling, `SELECT shipment_id FROM (SELECT shipment_id, claimed_until FROM poll_queue
				WHERE shipment_id = ANY($1::uuid[]) ORDER BY shipment_id FOR UPDATE) q WHERE q.claimed_until > $2`, arr, now); err != nil {
			return fmt.Errorf("retention purge: letters being polled: %w", err)
		}
		for _, id := range polling {
			if !keep[id] {
				keep[id] = true
				p.Polling++
			}
		}
		// The last change again, in a statement after the lock: it sees
		// what committed since the letters were listed (a writer of a
		// letter's events or state holds the letter until it commits).
		var changed []struct {
			ID   string    `db:"id"`
			Last time.Time `db:"last_change"`
		}
		if err := tx.SelectContext(ctx, &changed, `SELECT s.id, `+sqlLastChange+` AS last_change FROM shipments s
			`+sqlLastAct+` WHERE s.id = ANY($1::uuid[]) AND s.purged_at IS NULL`, arr); err != nil {
			return fmt.Errorf("retention purge: letters' last change: %w", err)
		}
		for _, c := range changed {
			if !keep[c.ID] && !c.Last.Before(before[c.ID]) {
				keep[c.ID] = true
				p.Changed++
			}
		}
		ids = ids[:0:0]
		var people []int64
		for _, l := range letters {
			if keep[l.ID] {
				continue
			}
			ids = append(ids, l.ID)
			if l.Kind == "person" && l.Recipient != anon {
				people = append(people, l.Recipient)
			}
		}
		arr = pq.Array(ids)
		// The persons before anything is written: a registration holds the
		// persons of its new letters (FOR KEY SHARE) until it commits, and
		// may meanwhile wait for a letter this purge has changed.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM recipients WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
			pq.Array(people)); err != nil {
			return fmt.Errorf("retention purge: lock persons: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE shipments s SET title = '', purged_at = $2,
				recipient_id = CASE WHEN r.kind = 'person' THEN $3 ELSE s.recipient_id END
			FROM recipients r WHERE r.id = s.recipient_id AND s.id = ANY($1::uuid[])`, arr, now, anon)
		if err != nil {
			return fmt.Errorf("retention purge: letters: %w", err)
		}
		p.Shipments, _ = res.RowsAffected()
		if len(people) > 0 {
			// The list rollups still count the persons' letters under the
			// rows deleted below, which no longer join as persons: the
			// summaries by recipient are computed live until the next
			// refresh (else their organisations' count took them in).
			if _, err := tx.ExecContext(ctx, `UPDATE list_rollups SET refreshed_at = NULL`); err != nil {
				return fmt.Errorf("retention purge: list rollups: %w", err)
			}
		}
		steps := []struct {
			n   *int64
			sql string
		}{
			// When the provider accepted a print order is kept with the
			// order (placed_at, read by the exports): an order an older
			// binary placed has it in the evidence alone, copied here
			// before the evidence goes.
			{nil, `UPDATE print_orders p SET placed_at = ` + sqlPlacedFromEvidence("p.shipment_id") + `
				WHERE p.shipment_id = ANY($1::uuid[]) AND p.placed_at IS NULL AND p.order_id <> ''`},
			{&p.Events, `DELETE FROM shipment_events WHERE shipment_id = ANY($1::uuid[])`},
			// A letter never opened is polled no more: its evidence is
			// gone, and a poll would start it anew (one being polled was
			// kept, above).
			{nil, `DELETE FROM poll_queue WHERE shipment_id = ANY($1::uuid[])`},
			{&p.Notes, `UPDATE followups SET note = '' WHERE shipment_id = ANY($1::uuid[]) AND note <> ''`},
			{&p.PrintRequests, `UPDATE print_orders SET request = NULL, last_error = '', failure_reason = ''
				WHERE shipment_id = ANY($1::uuid[]) AND (request IS NOT NULL OR last_error <> '' OR failure_reason <> '')`},
			{nil, `UPDATE print_outbox SET last_error = '' WHERE shipment_id = ANY($1::uuid[])`},
			{&p.Manual, `UPDATE print_manual SET detail = '', why = NULL, note = ''
				WHERE shipment_id = ANY($1::uuid[]) AND (detail <> '' OR why IS NOT NULL OR note <> '')`},
			{&p.Notifications, `UPDATE notifications SET recipients = '{}', order_request = NULL, last_error = '', order_error = ''
				WHERE id IN (SELECT notification_id FROM notification_items WHERE shipment_id = ANY($1::uuid[])
					UNION SELECT notification_id FROM notification_notices WHERE shipment_id = ANY($1::uuid[]))
				  AND (cardinality(recipients) > 0 OR order_request IS NOT NULL OR last_error <> '' OR order_error <> '')`},
		}
		for _, st := range steps {
			res, err := tx.ExecContext(ctx, st.sql, arr)
			if err != nil {
				return fmt.Errorf("retention purge: %w", err)
			}
			if st.n != nil {
				*st.n, _ = res.RowsAffected()
			}
		}
		// A follow-up still open is closed: no decision on a purged letter
		// can be recorded (ErrPurged), so it would stay overdue in the
		// digest and on /followups for ever. Decided by the purge (actor),
		// so that no one reads it as a unit's decision.
		res, err = tx.ExecContext(ctx, `UPDATE followups SET decision = $2, decided_by = $3, decided_at = $4
			WHERE shipment_id = ANY($1::uuid[]) AND decision IS NULL`, arr, DecisionClosed, actor, now)
		if err != nil {
			return fmt.Errorf("retention purge: open follow-ups: %w", err)
		}
		p.FollowUpsClosed, _ = res.RowsAffected()
		// A statement after the lock: it sees the letters of registrations
		// that held a person until they committed.
		res, err = tx.ExecContext(ctx, `DELETE FROM recipients r WHERE r.id = ANY($1::bigint[]) AND r.kind = 'person'
			AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.recipient_id = r.id)`, pq.Array(people))
		if err != nil {
			return fmt.Errorf("retention purge: persons: %w", err)
		}
		p.Persons, _ = res.RowsAffected()
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: ActRetentionPurgeLetters,
			Detail: purgeLettersDetail(p)})
	})
	return p, err
}

// purgeLettersDetail is the audit entry's detail of one PurgeShipments:
// every count the log has (upkeep.Retention), the follow-ups it closed
// and why letters past their retention were kept included, since the
// audit log is what an inspector reads (web/audit_detail.go says it in
// the page's language). Entries written before it have no follow-ups
// closed and one reason kept ("…; 3 letters kept: print order not placed
// yet").
func purgeLettersDetail(p ShipmentPurge) string {
	return fmt.Sprintf("%d letters, %d events, %d persons, %d follow-up notes, %d follow-ups closed, %d print requests, %d manual details, %d notifications; "+
		"letters kept: %d print order not placed yet, %d changed since listed, %d being polled",
		p.Shipments, p.Events, p.Persons, p.Notes, p.FollowUpsClosed, p.PrintRequests, p.Manual, p.Notifications, p.PrintPending, p.Changed, p.Polling)
}

// PurgeOrphanPersons deletes the persons (national id and name) no letter
// points to, and writes the count to the audit log: a person is stored for
// a letter, and one whose last letter was purged goes with it
// (PurgeShipments), but a release before the in-batch fix of registration
// left a person behind for a row that named a letter another row of its
// batch stored. Such a person serves nothing, whatever their age. Locking
// as PurgeShipments does keeps a registration safe: it holds the persons
// of its new letters FOR KEY SHARE until it commits, so the persons are
// locked FOR UPDATE first (waiting for such a registration) and deleted in
// a later statement, which sees the letters it stored. A person a
// registration is making is not committed yet, so not seen here.
func (s *Store) PurgeOrphanPersons(ctx context.Context, now time.Time, actor string) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		const orphan = `r.kind = 'person' AND r.ident <> $1
			AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.recipient_id = r.id)`
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, `SELECT r.id FROM recipients r WHERE `+orphan+` ORDER BY r.id FOR UPDATE`,
			anonymousPerson); err != nil {
			return fmt.Errorf("retention purge of persons with no letter: lock: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM recipients r WHERE r.id = ANY($2::bigint[]) AND `+orphan,
			anonymousPerson, pq.Array(ids))
		if err != nil {
			return fmt.Errorf("retention purge of persons with no letter: %w", err)
		}
		n, _ = res.RowsAffected()
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: ActRetentionPurgePersons,
			Detail: fmt.Sprintf("%d persons no letter points to", n)})
	})
	return n, err
}

// PurgeCaches deletes what postvakt keeps only for a while, older than
// cutoff: raw answers of failed channel calls (poll_errors, which may quote
// a channel's data) and business-register answers; and, whatever their
// age, the register answers about organisations no letter whose personal
// data is kept names (every letter to them purged, and not a sending
// organisation). Those the names job refreshed every day, so they never
// grew old (a sole proprietorship's answer names its owner, at their home
// address); without one, a named organisation is asked about no more
// (OrgsToName). The print fallback asks again for what it needs. It
// returns how many rows went.
func (s *Store) PurgeCaches(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	for _, d := range []struct {
		q    string
		args []any
	}{
		{`DELETE FROM poll_errors WHERE occurred_at < $1`, []any{cutoff}},
		{`DELETE FROM register_cache WHERE fetched_at < $1`, []any{cutoff}},
		{`DELETE FROM register_cache rc WHERE NOT EXISTS (SELECT 1 FROM sender_orgs o WHERE o.orgnr = rc.orgnr)
			AND NOT EXISTS (SELECT 1 FROM recipients r JOIN shipments s ON s.recipient_id = r.id
				WHERE r.kind = 'org' AND r.ident = rc.orgnr AND s.purged_at IS NULL)`, nil},
	} {
		res, err := s.db.ExecContext(ctx, d.q, d.args...)
		if err != nil {
			return n, fmt.Errorf("retention purge of caches: %w", err)
		}
		m, _ := res.RowsAffected()
		n += m
	}
	return n, nil
}

// PurgeContacts deletes the reminder addresses of receiving organisations
// that have no letter left whose personal data is kept (none registered,
// or every one purged), and whose addresses were imported or last looked
// up before cutoff, with their cached Altinn Profile lookups: an
// organisation's addresses (often a named person's) serve the reminders
// about its letters, and go when those have gone. It returns how many
// addresses went.
func (s *Store) PurgeContacts(ctx context.Context, cutoff time.Time) (int64, error) {
	const noLetterKept = `NOT EXISTS (SELECT 1 FROM recipients r JOIN shipments s ON s.recipient_id = r.id
		WHERE r.kind = 'org' AND r.ident = c.orgnr AND s.purged_at IS NULL)`
	var n int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM org_contacts c WHERE COALESCE(c.fetched_at, c.created_at) < $1
			AND NOT EXISTS (SELECT 1 FROM org_contacts k WHERE k.orgnr = c.orgnr AND COALESCE(k.fetched_at, k.created_at) >= $1)
			AND `+noLetterKept, cutoff)
		if err != nil {
			return fmt.Errorf("retention purge of contacts: %w", err)
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM contact_lookups c WHERE c.fetched_at < $1
			AND NOT EXISTS (SELECT 1 FROM org_contacts k WHERE k.orgnr = c.orgnr) AND `+noLetterKept, cutoff); err != nil {
			return fmt.Errorf("retention purge of contact lookups: %w", err)
		}
		return nil
	})
	return n, err
}

// PurgeAlerts deletes the health alerts resolved before cutoff with the
// notices that told of them (a notice's destination and payload are
// people's e-mail addresses, its error a mail server's words about them):
// such an alert has nothing left to tell. A notice that also told of an
// alert kept (firing, or resolved since cutoff) stays, with every alert it
// names, so no transition is told twice. It returns how many alerts went.
func (s *Store) PurgeAlerts(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var notices []int64
		if err := tx.SelectContext(ctx, &notices, `WITH old AS (
				SELECT id FROM health_alerts WHERE status = 'resolved' AND resolved_at < $1)
			SELECT DISTINCT i.notice_id FROM health_notice_items i JOIN old ON old.id = i.alert_id
			WHERE NOT EXISTS (SELECT 1 FROM health_notice_items k WHERE k.notice_id = i.notice_id
				AND k.alert_id NOT IN (SELECT id FROM old))`, cutoff); err != nil {
			return fmt.Errorf("retention purge of alerts: their notices: %w", err)
		}
		for _, q := range []string{`DELETE FROM health_notice_items WHERE notice_id = ANY($1::bigint[])`,
			`DELETE FROM health_notices WHERE id = ANY($1::bigint[])`} {
			if _, err := tx.ExecContext(ctx, q, pq.Array(notices)); err != nil {
				return fmt.Errorf("retention purge of alert notices: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM health_alerts a WHERE a.status = 'resolved' AND a.resolved_at < $1
			AND NOT EXISTS (SELECT 1 FROM health_notice_items i WHERE i.alert_id = a.id)`, cutoff)
		if err != nil {
			return fmt.Errorf("retention purge of alerts: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// PurgeNotices clears the recipients (people's e-mail addresses), order
// requests and errors of the notifications last changed before cutoff that
// list no letter whose personal data is kept: the notices to postvakt's own
// users that name no letter (the compliance digest, a held print batch's
// notice) kept their addresses for ever, past the users' own (PurgeUserEmails)
// and the health alerts' notices (PurgeAlerts). One still in flight or of
// unknown outcome (pending, unknown: a person settles it) is left. It
// returns how many notifications it cleared.
func (s *Store) PurgeNotices(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE notifications n SET recipients = '{}', order_request = NULL, last_error = '', order_error = ''
		WHERE n.updated_at < $1 AND n.status NOT IN ('pending', 'unknown')
			AND (cardinality(n.recipients) > 0 OR n.order_request IS NOT NULL OR n.last_error <> '' OR n.order_error <> '')
			AND NOT EXISTS (SELECT 1 FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
				WHERE i.notification_id = n.id AND s.purged_at IS NULL)
			AND NOT EXISTS (SELECT 1 FROM notification_notices nn JOIN shipments s ON s.id = nn.shipment_id
				WHERE nn.notification_id = n.id AND s.purged_at IS NULL)`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("retention purge of notices' recipients: %w", err)
	}
	return res.RowsAffected()
}

// PurgeAudit deletes audit entries older than cutoff, in the retention
// purge's transaction, and returns how many; when it deleted any, it
// writes the count to the audit log as PurgeBefore does ("0 events, N
// audit entries"). (PurgeBefore deletes events and audit entries with one
// cutoff; the audit log has the deployment's default retention, events the
// longest of any class: with a policy that keeps its letters longer, the
// audit entries between the two go here, and went unrecorded.)
func (s *Store) PurgeAudit(ctx context.Context, cutoff time.Time, actor string) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL postvakt.retention_purge = 'on'`); err != nil {
			return fmt.Errorf("retention purge of audit entries: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE at < $1`, cutoff)
		if err != nil {
			return fmt.Errorf("retention purge of audit entries: %w", err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		return writeAudit(ctx, tx, AuditEntry{Actor: actor, Action: ActRetentionPurge,
			Object: "before " + cutoff.UTC().Format(time.RFC3339), Detail: fmt.Sprintf("0 events, %d audit entries", n)})
	})
	return n, err
}
