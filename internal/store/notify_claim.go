package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// ClaimNotification is the dedupe stage of sending one reminder: the claim
// of ClaimReminders for one organisation.
func (s *Store) ClaimNotification(ctx context.Context, c Claim) (ClaimResult, error) {
	res, err := s.ClaimReminders(ctx, []Claim{c})
	if err != nil {
		return ClaimResult{}, err
	}
	return res[0], nil
}

// PreviewNotification answers what ClaimNotification would, and changes
// nothing (the transaction is rolled back). It is what a dry run uses.
func (s *Store) PreviewNotification(ctx context.Context, c Claim) (ClaimResult, error) {
	res, err := s.PreviewReminders(ctx, []Claim{c})
	if err != nil {
		return ClaimResult{}, err
	}
	return res[0], nil
}

// ClaimReminders is the dedupe stage of sending reminders to many
// organisations (one Claim each), in one transaction committed before
// anything is sent, in a few statements whatever the number of
// organisations. It locks the claimed shipments and re-checks them (an
// opened shipment is dropped, even if it opened after the decision), drops
// items already listed in a notification that was or may have been sent,
// and records each organisation's message as pending (Send true), or as
// no_address when it has no recipients. A failed or no_address row for the
// same items is reused; one for other items is superseded. The items'
// escalation decisions are recorded in the letters' evidence in the same
// transaction, so they are there before the message goes out.
//
// Shipments another transaction holds are not waited for: their
// organisation is left out whole (Busy; one message per organisation), the
// others are claimed. The results are in the order of cs.
func (s *Store) ClaimReminders(ctx context.Context, cs []Claim) ([]ClaimResult, error) {
	return runClaim(ctx, s, false, func(tx *sqlx.Tx) ([]ClaimResult, error) { return claimAll(ctx, tx, cs) })
}

// PreviewReminders answers what ClaimReminders would, and changes nothing.
func (s *Store) PreviewReminders(ctx context.Context, cs []Claim) ([]ClaimResult, error) {
	return runClaim(ctx, s, true, func(tx *sqlx.Tx) ([]ClaimResult, error) { return claimAll(ctx, tx, cs) })
}

// runClaim runs a claim of the notification log in one transaction:
// committed, or for a preview rolled back.
func runClaim[T any](ctx context.Context, s *Store, preview bool, fn func(tx *sqlx.Tx) (T, error)) (T, error) {
	if !preview {
		var res T
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			var err error
			res, err = fn(tx)
			return err
		})
		return res, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("preview notification: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a preview never commits
	return fn(tx)
}

// claimAll claims cs in tx. A preview runs every statement a claim does,
// so a write the database would refuse shows in the dry run too, and is
// rolled back.
func claimAll(ctx context.Context, tx *sqlx.Tx, cs []Claim) ([]ClaimResult, error) {
	res := make([]ClaimResult, len(cs))
	locked, err := lockReminders(ctx, tx, cs)
	if err != nil {
		return nil, err
	}
	// The rule: model.Eligible on each item as locked. Items of a failed or
	// no_address notification are taken over; that one is superseded.
	var sts []settlement
	var which []int                 // sts[k] settles cs[which[k]]
	var kept [][]model.ReminderItem // the items of sts[k]
	for i, c := range cs {
		if locked.busy(c) {
			res[i].Busy = true
			continue
		}
		var items []model.ReminderItem
		replaceable := map[int64]bool{}
		carried := 0 // the failed tries of the rows taken over (model.RetryAfter)
		var waiting *model.LockedShipment
		for _, it := range c.Items {
			l := locked.items[reminderKey{it.ShipmentID, it.Reminder}]
			if why := model.Eligible(it, l.LockedShipment, model.Attempt{Now: c.Now, To: c.Recipients}); why != model.DropNone {
				res[i].Dropped = append(res[i].Dropped, Dropped{ReminderItem: it, Reason: why, Detail: why.Explain(l.LockedShipment)})
				if why == model.DropRetryLater {
					waiting = &l.LockedShipment
				}
				continue
			}
			if l.ListedIn != 0 {
				replaceable[l.ListedIn] = true
				if l.ListedStatus == model.NotifyFailed {
					carried = max(carried, l.ListedAttempts)
				}
			}
			items = append(items, it)
		}
		if waiting != nil {
			// The organisation's message to these addresses waits for its
			// retry: one message per organisation, so its other letters
			// wait with it and go together, after it.
			for _, it := range items {
				res[i].Dropped = append(res[i].Dropped, Dropped{ReminderItem: it, Reason: model.DropRetryLater,
					Detail: "waits with the organisation's " + model.DropRetryLater.Explain(*waiting)})
			}
			continue
		}
		if len(items) == 0 {
			continue
		}
		sts = append(sts, settlement{key: NotificationKey(c.Org, items), kind: KindReminder, group: c.Org,
			recipients: c.Recipients, byOrder: c.ByOrder, now: c.Now, replaceable: replaceable, carried: carried})
		which, kept = append(which, i), append(kept, items)
	}
	if len(sts) == 0 {
		return res, nil
	}
	// The row for exactly these items: reuse it, or make it.
	done, err := settleAll(ctx, tx, "notification_items", sts)
	if err != nil {
		return nil, fmt.Errorf("claim reminders to %d organisations: %w", len(sts), err)
	}
	var w claimWrites
	for k, d := range done {
		i := which[k]
		d.n.Items = kept[k]
		res[i].Notification, res[i].Send = d.n, d.send
		if !d.took {
			continue // sent, pending or unknown already: its decisions were recorded then
		}
		res[i].Recorded = w.add(d, kept[k], locked, cs[i].Now)
	}
	if err := w.exec(ctx, tx); err != nil {
		return nil, fmt.Errorf("claim reminders to %d organisations: %w", len(sts), err)
	}
	return res, nil
}

// claimWrites is what a claim writes for the notifications it took, in one
// statement: the items of new rows, the decisions to record, and the
// letters whose step is set at once (no message will follow to set it: no
// address; or catching up from now).
type claimWrites struct {
	itemNotif                              []int64
	itemShip                               []string
	itemNum                                []int64
	decShip, decStep, decPolicy, decReason []string
	decCatchUp                             []bool
	stepShip, stepStep                     []string
	stepCatchUp                            []bool
	now                                    time.Time
}

// add queues the writes of one notification the claim took, and returns
// how many decisions it records.
func (w *claimWrites) add(d settled, items []model.ReminderItem, locked lockedReminders, now time.Time) int {
	w.now = now
	if d.made {
		for _, it := range items {
			w.itemNotif, w.itemShip, w.itemNum = append(w.itemNotif, d.n.ID), append(w.itemShip, it.ShipmentID), append(w.itemNum, int64(it.Reminder))
		}
	}
	recorded := 0
	for _, it := range items {
		l := locked.items[reminderKey{it.ShipmentID, it.Reminder}]
		if it.Step == "" || l.step == it.Step {
			continue
		}
		recorded++
		w.decShip, w.decStep, w.decPolicy = append(w.decShip, it.ShipmentID), append(w.decStep, it.Step), append(w.decPolicy, it.Policy)
		w.decReason, w.decCatchUp = append(w.decReason, it.Reason), append(w.decCatchUp, it.CatchUp)
		// A sent, failed or unknown message sets the letter's step with its
		// outcome (RecordReminders); without one, the claim sets it. The
		// start of a catch-up is kept at once, as when it was decided.
		if d.n.Status == NotifyNoAddress || (it.CatchUp && !l.catchingUp) {
			w.stepShip, w.stepStep, w.stepCatchUp = append(w.stepShip, it.ShipmentID), append(w.stepStep, it.Step), append(w.stepCatchUp, it.CatchUp)
		}
	}
	return recorded
}

func (w *claimWrites) exec(ctx context.Context, tx *sqlx.Tx) error {
	if len(w.itemShip)+len(w.decShip) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `WITH items AS (
			INSERT INTO notification_items (notification_id, shipment_id, reminder)
			SELECT n, id, r FROM unnest($1::bigint[], $2::uuid[], $3::int[]) AS c(n, id, r)
			RETURNING 1),
		stepped AS (
			UPDATE shipments s SET escalation_step = m.step,
				catch_up_at = CASE WHEN m.catch_up THEN COALESCE(s.catch_up_at, $9) ELSE s.catch_up_at END
			FROM unnest($10::uuid[], $11::text[], $12::boolean[]) AS m(id, step, catch_up)
			WHERE s.id = ANY($10::uuid[]) AND s.id = m.id
			RETURNING 1)
		INSERT INTO shipment_events (shipment_id, kind, source, observed_at, from_state, to_state, message, payload)
		SELECT s.id, $13, $14, $9, s.state, s.state, d.reason,
			jsonb_build_object('step', d.step, 'policy', d.policy, 'print_due', false, 'catch_up', d.catch_up)
		FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], $8::boolean[]) AS d(id, step, policy, reason, catch_up)
		JOIN shipments s ON s.id = d.id`,
		pq.Array(w.itemNotif), pq.Array(w.itemShip), pq.Array(w.itemNum),
		pq.Array(w.decShip), pq.Array(w.decStep), pq.Array(w.decPolicy), pq.Array(w.decReason), pq.Array(w.decCatchUp),
		w.now, pq.Array(w.stepShip), pq.Array(w.stepStep), pq.Array(w.stepCatchUp), EventDecision, SourcePolicy)
	if err != nil {
		return fmt.Errorf("record the claimed items and their decisions: %w", err)
	}
	return nil
}

// reminderKey is one shipment with one reminder number.
type reminderKey struct {
	id string
	n  int
}

// lockedItem is what a claim knows of one item once it holds the locks.
type lockedItem struct {
	model.LockedShipment
	step       string // the letter's escalation step as recorded
	catchingUp bool   // the letter's catch-up started
}

// lockedReminders is the first half of a claim.
type lockedReminders struct {
	items map[reminderKey]lockedItem
	held  map[string]bool // shipments another transaction holds
}

// busy reports whether some of c's shipments are held by another
// transaction.
func (l lockedReminders) busy(c Claim) bool {
	for _, it := range c.Items {
		if l.held[it.ShipmentID] {
			return true
		}
	}
	return false
}

// lockReminders is the first half of a claim: it locks the claimed items'
// shipments (FOR UPDATE, in id order, skipping those another transaction
// holds) and the notifications that already list them with the same
// reminder number (FOR UPDATE, in id order; only for organisations none of
// whose shipments is held elsewhere), and returns what model.Eligible needs
// to know of each item.
func lockReminders(ctx context.Context, tx *sqlx.Tx, cs []Claim) (lockedReminders, error) {
	out := lockedReminders{items: map[reminderKey]lockedItem{}, held: map[string]bool{}}
	var all []model.ReminderItem
	for _, c := range cs {
		all = append(all, c.Items...)
	}
	ids, _ := splitItems(all)
	var rows []struct {
		ID            string      `db:"id"`
		State         model.State `db:"state"`
		Stage         model.Stage `db:"stage"`
		RemindersSent int         `db:"reminders_sent"`
		Step          string      `db:"escalation_step"`
		CatchingUp    bool        `db:"catching_up"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, state, stage, reminders_sent, escalation_step,
			catch_up_at IS NOT NULL AS catching_up
		FROM shipments WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE SKIP LOCKED`, pq.Array(ids)); err != nil {
		return out, fmt.Errorf("claim reminders: lock shipments: %w", err)
	}
	byID := make(map[string]lockedItem, len(rows))
	for _, r := range rows {
		byID[r.ID] = lockedItem{LockedShipment: model.LockedShipment{Found: true, State: r.State, Stage: r.Stage,
			RemindersSent: r.RemindersSent}, step: r.Step, catchingUp: r.CatchingUp}
	}
	var missing []string
	for _, id := range ids {
		if _, ok := byID[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		// Not locked: gone, or held by another transaction.
		var exist []string
		if err := tx.SelectContext(ctx, &exist, `SELECT id FROM shipments WHERE id = ANY($1::uuid[])`, pq.Array(missing)); err != nil {
			return out, fmt.Errorf("claim reminders: look up shipments held elsewhere: %w", err)
		}
		for _, id := range exist {
			out.held[id] = true
		}
	}
	var free []model.ReminderItem
	for _, c := range cs {
		if !out.busy(c) {
			free = append(free, c.Items...)
		}
	}
	for _, it := range all {
		out.items[reminderKey{it.ShipmentID, it.Reminder}] = byID[it.ShipmentID]
	}
	if len(free) == 0 {
		return out, nil
	}
	fids, nums := splitItems(free)
	var listed []struct {
		ShipmentID string             `db:"shipment_id"`
		Reminder   int                `db:"reminder"`
		ID         int64              `db:"id"`
		Status     model.NotifyStatus `db:"status"`
		Attempts   int                `db:"attempts"`
		UpdatedAt  time.Time          `db:"updated_at"`
		Recipients pq.StringArray     `db:"recipients"`
	}
	if err := tx.SelectContext(ctx, &listed, `SELECT i.shipment_id, i.reminder, n.id, n.status, n.attempts, n.updated_at, n.recipients
		FROM notification_items i
		JOIN unnest($1::uuid[], $2::int[]) AS c(id, n) ON i.shipment_id = c.id AND i.reminder = c.n
		JOIN notifications n ON n.id = i.notification_id
		WHERE i.active AND i.shipment_id = ANY($1::uuid[]) ORDER BY n.id FOR UPDATE OF n`, pq.Array(fids), pq.Array(nums)); err != nil {
		return out, fmt.Errorf("claim reminders: look up earlier notifications: %w", err)
	}
	for _, l := range listed {
		k := reminderKey{l.ShipmentID, l.Reminder}
		if li, ok := out.items[k]; ok {
			li.ListedIn, li.ListedStatus, li.ListedAttempts, li.ListedAt, li.ListedTo = l.ID, l.Status, l.Attempts, l.UpdatedAt, l.Recipients
			out.items[k] = li
		}
	}
	return out, nil
}

// settlement is the end of a claim, the same for reminders and notices:
// the notification with key lists exactly the items kept.
type settlement struct {
	key, kind, group string
	recipients       []string
	byOrder          bool // sent without recipients too (Claim.ByOrder)
	now              time.Time
	replaceable      map[int64]bool // failed or no_address rows whose items were taken over
	// carried is the most failed tries of those rows: a new row for other
	// items (a letter more for the organisation) goes on counting from
	// there, so its wait for a retry does not start over.
	carried int
}

// settled is how a settlement ended.
type settled struct {
	n    *Notification
	send bool // pending and claimed by this call: send it now
	took bool // this call set the row (made or reused) for its items
	made bool // the row is new: its items are to be inserted
}

// settleAll settles claims' notifications in a few statements whatever
// their number. Each gets the notification of its key: as it is when it was
// sent, is pending or its outcome unknown (nothing to send); otherwise its
// replaceable rows are superseded and the row is reused (its items, in
// table items, made active again) or made (made: the caller inserts its
// items), pending (send), or no_address when there are no recipients and
// it is not sent by an order (byOrder).
func settleAll(ctx context.Context, tx *sqlx.Tx, items string, sts []settlement) ([]settled, error) {
	keys := make([]string, len(sts))
	for i, st := range sts {
		keys[i] = st.key
	}
	var existing []Notification
	if err := tx.SelectContext(ctx, &existing, `SELECT `+notificationColumns+` FROM notifications n
		WHERE key = ANY($1) ORDER BY id FOR UPDATE`, pq.Array(keys)); err != nil {
		return nil, fmt.Errorf("look up notifications: %w", err)
	}
	byKey := make(map[string]*Notification, len(existing))
	for i := range existing {
		byKey[existing[i].Key] = &existing[i]
	}
	type row struct {
		ID         int64     `json:"id,omitempty"`
		Key        string    `json:"key,omitempty"`
		Kind       string    `json:"kind,omitempty"`
		Org        string    `json:"orgnr,omitempty"`
		Status     string    `json:"status"`
		Recipients []string  `json:"recipients"`
		Now        time.Time `json:"now"`
		Carried    int       `json:"carried"`
	}
	out := make([]settled, len(sts))
	var superseded []int64
	var reuse, fresh []row
	for i, st := range sts {
		n, exists := byKey[st.key]
		if exists && (n.Status == NotifySent || n.Status == NotifyPending || n.Status == NotifyUnknown) {
			out[i] = settled{n: n}
			continue
		}
		for id := range st.replaceable {
			if !exists || id != n.ID {
				superseded = append(superseded, id)
			}
		}
		r := row{Status: string(NotifyPending), Recipients: st.recipients, Now: st.now}
		if len(r.Recipients) == 0 {
			r.Recipients = []string{}
			if !st.byOrder {
				r.Status = string(NotifyNoAddress)
			}
		}
		out[i] = settled{took: true, made: !exists, send: r.Status == string(NotifyPending)}
		if exists {
			r.ID = n.ID
			reuse = append(reuse, r)
		} else {
			r.Key, r.Kind, r.Org, r.Carried = st.key, st.kind, st.group, st.carried
			fresh = append(fresh, r)
		}
	}
	if len(superseded) > 0 {
		if _, err := tx.ExecContext(ctx, `WITH items AS (
				UPDATE notification_items SET active = false WHERE notification_id = ANY($1) RETURNING 1),
			notices AS (
				UPDATE notification_notices SET active = false WHERE notification_id = ANY($1) RETURNING 1)
			UPDATE notifications SET status = 'superseded', updated_at = $2 WHERE id = ANY($1)`,
			pq.Array(superseded), sts[0].now); err != nil {
			return nil, fmt.Errorf("supersede notifications %v: %w", superseded, err)
		}
	}
	var got []Notification
	if len(reuse) > 0 {
		doc, err := json.Marshal(reuse)
		if err != nil {
			return nil, err
		}
		var again []Notification
		if err := tx.SelectContext(ctx, &again, `WITH u AS (
				SELECT * FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, status text, recipients text[], now timestamptz)),
			items AS (
				UPDATE `+items+` i SET active = true FROM u WHERE i.notification_id = u.id RETURNING 1)
			UPDATE notifications n SET status = u.status, recipients = u.recipients,
				attempts = attempts + CASE WHEN u.status = 'pending' THEN 1 ELSE 0 END,
				untried_claim = CASE WHEN u.status = 'pending' THEN u.now END, claimed_at = u.now, updated_at = u.now,
				`+sqlOrderOfAnEarlierTry+`
			FROM u WHERE n.id = u.id RETURNING `+notificationColumns, string(doc)); err != nil {
			return nil, fmt.Errorf("reuse notifications: %w", err)
		}
		got = append(got, again...)
	}
	if len(fresh) > 0 {
		doc, err := json.Marshal(fresh)
		if err != nil {
			return nil, err
		}
		var made []Notification
		if err := tx.SelectContext(ctx, &made, `INSERT INTO notifications AS n
				(key, kind, orgnr, status, recipients, attempts, untried_claim, created_at, claimed_at, updated_at)
			SELECT u.key, u.kind, u.orgnr, u.status, u.recipients, u.carried + CASE WHEN u.status = 'pending' THEN 1 ELSE 0 END,
				CASE WHEN u.status = 'pending' THEN u.now END, u.now, u.now, u.now
			FROM jsonb_to_recordset($1::jsonb) AS u(key text, kind text, orgnr text, status text, recipients text[], now timestamptz, carried int)
			RETURNING `+notificationColumns, string(doc)); err != nil {
			return nil, fmt.Errorf("record notifications: %w", err)
		}
		got = append(got, made...)
	}
	for i := range got {
		byKey[got[i].Key] = &got[i]
	}
	for i, st := range sts {
		if out[i].took {
			out[i].n = byKey[st.key]
			if out[i].n == nil {
				return nil, fmt.Errorf("record notification %s: no row came back", st.key)
			}
		}
	}
	return out, nil
}

// sqlOrderOfAnEarlierTry clears, on a row a claim reuses (failed or
// no_address), the Altinn Notifications order of the try before, one that
// was never placed (no order id): refused, given up for a fallback e-mail
// (FallBackToEmail), or kept beside an e-mail that then failed. The claim
// is where a try's route is settled: this try goes by e-mail alone, by an
// order alone, or by e-mail with the order beside it, and an order it goes
// with is kept after the claim (PrepareNotificationOrder). Kept, the
// earlier try's Altinn answer made the evidence of an e-mail sent with
// Notifications switched off since say that Altinn refused its order
// (sqlOrderGivenUp, sqlReminderSent), listed it as an order refused beside
// an e-mail, and an earlier request could be placed beside an e-mail it
// was not made for. The wait after a failed attempt to place it
// (order_next_at) and the attempts counted (order_attempts, from which
// RetryOrders reckons the next wait) go with it: kept, the new try's order
// waited behind the earlier one's backoff (up to a day, or Altinn's
// Retry-After) before OpenNotificationOrders listed it, and failing,
// waited longer than a first failure does. An order that was placed (its
// id kept) is left as it is.
const sqlOrderOfAnEarlierTry = `order_request = CASE WHEN n.order_id = '' THEN NULL ELSE n.order_request END,
				order_error = CASE WHEN n.order_id = '' THEN '' ELSE n.order_error END,
				order_refused_at = CASE WHEN n.order_id = '' THEN NULL ELSE n.order_refused_at END,
				order_next_at = CASE WHEN n.order_id = '' THEN NULL ELSE n.order_next_at END,
				order_attempts = CASE WHEN n.order_id = '' THEN 0 ELSE n.order_attempts END`

// settle settles one claim's notification (settleAll); insert adds the
// items of a new row.
func settle(ctx context.Context, tx *sqlx.Tx, st settlement, items string, insert func(id int64) error) (*Notification, bool, error) {
	done, err := settleAll(ctx, tx, items, []settlement{st})
	if err != nil {
		return nil, false, err
	}
	d := done[0]
	if d.made {
		if err := insert(d.n.ID); err != nil {
			return nil, false, fmt.Errorf("record notification: %w", err)
		}
	}
	return d.n, d.send, nil
}
