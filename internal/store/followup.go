package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zone database

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/calendar"
	"postvakt/internal/model"
)

// followUpZone is the zone a follow-up's days are counted in: Oslo's clock,
// which Copenhagen's keeps too.
var followUpZone = calendar.Oslo

// FollowUpDeadline is the deadline of a follow-up opened at now with days
// to decide: days calendar days later at the same clock time in Oslo,
// whatever the process's zone (TZ), so the date a mail or page shows is
// days after the day it opened, also across a change of summer time.
func FollowUpDeadline(now time.Time, days int) time.Time {
	return now.In(followUpZone).AddDate(0, 0, days)
}

// EventFollowUp is the evidence-log kind of a recorded follow-up decision.
const EventFollowUp = "followup"

// Follow-up decisions a sending unit may record.
const (
	DecisionResent    = "resent"                // sent again, the new shipment is watched too
	DecisionNewLetter = "new_letter"            // a new letter was written
	DecisionAssessed  = "consequences_assessed" // consequences assessed (note says what)
	DecisionClosed    = "closed"                // nothing more to do
)

// DecisionEnds reports whether a decision ends the letter's case: it was
// sent again (the new letter is watched instead), a new letter replaced it,
// or there is nothing more to do. Its escalation stops then
// (model.Stage.ClosedByDecision); an assessment of consequences does not
// stop it.
func DecisionEnds(decision string) bool {
	return decision == DecisionResent || decision == DecisionNewLetter || decision == DecisionClosed
}

// sqlDecisionsEnding: the decisions that end a letter's case
// (DecisionEnds), as an SQL list.
var sqlDecisionsEnding = sqlList(slices.DeleteFunc(slices.Clone(Decisions), func(d string) bool { return !DecisionEnds(d) }))

// sqlClosedByDecision: the stages a decision that ends the case closes.
var sqlClosedByDecision = sqlList(model.StagesWhere(model.Stage.ClosedByDecision))

// closing is a letter a follow-up decision closes (escalationAfter), and
// the stage it closes from.
type closing struct {
	id   string
	from model.Stage
}

// closeByDecision ends the escalation of the letters ls after a decision
// that ends their case, in the caller's transaction, which holds them
// locked (FOR UPDATE): the one place of a close's side effects, for one
// letter (RecordFollowUp) and for an incident's batch
// (RecordIncidentFollowUps), in one statement. A letter still in its stage
// from, one a decision closes (model.Stage.ClosedByDecision), moves to
// closed; from print_held its print order is skipped (the batch's release
// leaves it out); from manual its open manual-handling item is resolved as
// not needed by actor (it leaves the compliance officer's queue; the note
// "follow-up: " and the decision, which reopenByDecision looks for). Any
// other letter is left alone.
func closeByDecision(ctx context.Context, tx *sqlx.Tx, ls []closing, decision, actor string, at time.Time) error {
	if len(ls) == 0 {
		return nil
	}
	ids, froms := make([]string, len(ls)), make([]string, len(ls))
	for i, l := range ls {
		ids[i], froms[i] = l.id, string(l.from)
	}
	if _, err := tx.ExecContext(ctx, `WITH c AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS c (id, from_stage)),
		moved AS (
			UPDATE shipments s SET stage = `+sqlStage(model.StageClosed)+`
			FROM c WHERE s.id = c.id AND s.stage = c.from_stage AND c.from_stage IN (`+sqlClosedByDecision+`)
			RETURNING s.id, c.from_stage),
		skipped AS (
			UPDATE print_orders p SET state = `+sqlList([]string{PrintStateSkipped})+`, due_at = NULL, updated_at = $3
			FROM moved WHERE p.shipment_id = moved.id AND moved.from_stage = `+sqlStage(model.StagePrintHeld)+`)
		UPDATE print_manual m SET resolved_at = $3, resolved_by = $4, resolution = `+sqlList([]string{ManualNotNeeded})+`,
			note = 'follow-up: ' || $5::text
		FROM moved WHERE m.shipment_id = moved.id AND moved.from_stage = `+sqlStage(model.StageManual)+` AND m.resolved_at IS NULL`,
		pq.Array(ids), pq.Array(froms), at, actor, decision); err != nil {
		return fmt.Errorf("close the escalation of %d letters (%s first): %w", len(ls), ls[0].id, err)
	}
	return nil
}

// Decisions lists the decisions in the order the UI offers them.
var Decisions = []string{DecisionResent, DecisionNewLetter, DecisionAssessed, DecisionClosed}

// FollowUp is the follow-up of one shipment.
type FollowUp struct {
	ShipmentID     string     `db:"shipment_id" json:"shipment_id"`
	SenderUnit     string     `db:"sender_unit" json:"sender_unit"`
	Channel        string     `db:"channel" json:"channel"`
	ChannelID      string     `db:"channel_id" json:"channel_id"`
	RecipientKind  string     `db:"recipient_kind" json:"recipient_kind"`
	RecipientID    string     `db:"recipient_ident" json:"-"`
	State          string     `db:"state" json:"state"`
	SentAt         time.Time  `db:"sent_at" json:"sent_at"`
	Reason         string     `db:"reason" json:"reason"`
	Deadline       time.Time  `db:"deadline" json:"deadline"`
	Decision       *string    `db:"decision" json:"decision"`
	Note           string     `db:"note" json:"note,omitempty"`
	MissedDeadline bool       `db:"missed_deadline" json:"missed_statutory_deadline"`
	NewShipmentID  *string    `db:"new_shipment_id" json:"new_shipment_id,omitempty"`
	DecidedBy      string     `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt      *time.Time `db:"decided_at" json:"decided_at,omitempty"`
}

const followUpSelect = `SELECT f.shipment_id, u.name AS sender_unit, s.channel, s.channel_id, r.kind AS recipient_kind,
	r.ident AS recipient_ident, s.state, s.sent_at, f.reason, f.deadline, f.decision, f.note,
	f.missed_deadline, f.new_shipment_id, f.decided_by, f.decided_at
	FROM followups f
	JOIN shipments s ON s.id = f.shipment_id
	JOIN sender_units u ON u.id = f.sender_unit_id
	JOIN sender_orgs o ON o.id = u.sender_org_id
	JOIN recipients r ON r.id = s.recipient_id`

// OpenFollowUps creates the follow-ups that are due: every rejected,
// failed or expired shipment, and every confidential shipment still unopened
// that was sent at or before unreadBefore (MinAgeBound), but one sent on
// paper (the channel's print, or stage printed: the print fallback's),
// delivered into the recipient's own system, or closed (by its manual
// handling: delivered another way, not needed; or recalled on the
// channel), gets a follow-up
// with the given deadline unless it has one or the retention purge took it
// (no decision on it could be recorded: ErrPurged). It returns how many were created. Run it
// from a scheduled job; it is idempotent.
func (s *Store) OpenFollowUps(ctx context.Context, unreadBefore, deadline time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline)
		SELECT d.shipment_id, d.sender_unit_id, d.reason, $2 FROM (`+followUpsDueSQL+`) d
		ON CONFLICT (shipment_id) DO NOTHING`, unreadBefore, deadline)
	if err != nil {
		return 0, fmt.Errorf("open follow-ups: %w", err)
	}
	return res.RowsAffected()
}

// CountFollowUpsDue is how many follow-ups OpenFollowUps(unreadBefore, …)
// would open now, writing nothing: what a dry run (escalate --dry-run)
// says the run opens.
func (s *Store) CountFollowUpsDue(ctx context.Context, unreadBefore time.Time) (int64, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM (`+followUpsDueSQL+`) d`, unreadBefore); err != nil {
		return 0, fmt.Errorf("count the follow-ups due: %w", err)
	}
	return n, nil
}

// followUpsDueSQL selects the follow-ups OpenFollowUps opens, with $1 its
// unreadBefore: the letter (shipment_id), its unit (sender_unit_id) and
// the reason.
var followUpsDueSQL = `SELECT s.id AS shipment_id, s.sender_unit_id,
			CASE WHEN s.state IN ` + sqlUndeliveredStates + ` THEN s.state ELSE 'unread' END AS reason
		FROM shipments s
		WHERE (s.state IN ` + sqlUndeliveredStates + `
		   OR (s.confidential AND s.state IN ` + sqlOpenStates + ` AND s.sent_at <= $1
		       -- printed by the channel or on postvakt's print fallback
		       -- (by the provider, by hand, as Digital Post's physical
		       -- post), or delivered into the recipient's own system
		       -- (never told read): it reached its recipient; closed (its
		       -- manual handling found it delivered another way or not
		       -- needed, or its sender recalled it on the channel)
		       AND s.stage NOT IN (` + sqlUnreadSettled + `)))
		  AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.shipment_id = s.id)
		  -- purged: no decision on it can be recorded (ErrPurged)
		  AND s.purged_at IS NULL`

// sqlUnreadFollowUpSettled: the follow-up f of letter s is one
// SettleUnreadFollowUps closes (decision aside): unread, its letter still
// unread and since in a stage that needs none (model.Stage.UnreadSettled).
var sqlUnreadFollowUpSettled = `f.reason = 'unread' AND s.state IN ` + sqlOpenStates + ` AND s.stage IN (` + sqlUnreadSettled + `)`

// SettleUnreadFollowUps closes, decision closed, the unread follow-ups
// without a decision whose letter, still unread, has since come to a stage
// OpenFollowUps opens none in (model.Stage.UnreadSettled: on paper, in the
// recipient's own system, closed): one opened while the letter waited in
// manual handling or for its print order, that the unit then sent as
// physical post or the provider printed. Left open, it told the unit and
// its manager as overdue that the letter had not reached its recipient,
// and the compliance digest named it every morning. The evidence says so,
// decided by actor. It returns how many it closed. Run it before the
// notices are read (notice.Notifier.Run); it is idempotent.
func (s *Store) SettleUnreadFollowUps(ctx context.Context, now time.Time, actor string) (int64, error) {
	var n int64
	err := s.db.GetContext(ctx, &n, `WITH c AS (
			UPDATE followups f SET decision = `+sqlList([]string{DecisionClosed})+`, decided_by = $2, decided_at = $1,
				note = CASE WHEN s.stage IN (`+sqlStage(model.StagePrinted)+`, `+sqlStage(model.StageChannelPrint)+`) THEN 'the letter went out on paper'
					WHEN s.stage = `+sqlStage(model.StageRecipientSystem)+` THEN 'the channel delivered the letter into the recipient''s own system'
					ELSE 'the letter was closed' END
			FROM shipments s
			WHERE f.shipment_id = s.id AND f.decision IS NULL AND `+sqlUnreadFollowUpSettled+`
			RETURNING f.shipment_id, s.state),
		e AS (
			INSERT INTO shipment_events (shipment_id, kind, source, actor, observed_at, from_state, to_state, message)
			SELECT c.shipment_id, $3, $4, $2, $1, c.state, c.state, 'follow-up: ' || $5 FROM c)
		SELECT count(*) FROM c`, now, actor, EventFollowUp, SourcePolicy, DecisionClosed)
	if err != nil {
		return 0, fmt.Errorf("close the unread follow-ups of letters on paper or closed: %w", err)
	}
	return n, nil
}

// FollowUp returns the follow-up of a shipment in scope, ErrNotFound when
// it has none.
func (s *Store) FollowUp(ctx context.Context, shipmentID string, scope Scope) (*FollowUp, error) {
	if !looksLikeUUID(shipmentID) {
		return nil, ErrNotFound
	}
	var c sqlConds
	c.add("f.shipment_id = ?", shipmentID)
	addScope(&c, scope)
	var fu FollowUp
	if err := s.db.GetContext(ctx, &fu, followUpSelect+" WHERE "+c.String(), c.args...); err != nil {
		return nil, fmt.Errorf("get follow-up of %s: %w", shipmentID, notFound(err))
	}
	fu.Note = maskNote(fu.Note) // a note stored before notes were masked (maskNote)
	return &fu, nil
}

// ResentFrom is the shipment in scope whose follow-up registered id as
// its resend (decision resent), "" when id is no such resend.
func (s *Store) ResentFrom(ctx context.Context, id string, scope Scope) (string, error) {
	if !looksLikeUUID(id) {
		return "", nil
	}
	var c sqlConds
	c.add("f.new_shipment_id = ?", id)
	addScope(&c, scope)
	var from []string
	if err := s.db.SelectContext(ctx, &from, `SELECT f.shipment_id FROM followups f
		JOIN sender_units u ON u.id = f.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE `+c.String()+` ORDER BY f.decided_at LIMIT 1`, c.args...); err != nil {
		return "", fmt.Errorf("find the letter %s was resent for: %w", id, err)
	}
	if len(from) == 0 {
		return "", nil
	}
	return from[0], nil
}

// addScope narrows c to scope: the sending organisation (o.orgnr) and unit
// (u.name) of a query that joins sender_orgs o and sender_units u.
func addScope(c *sqlConds, scope Scope) {
	if scope.SenderOrg != "" {
		c.add("o.orgnr = ?", scope.SenderOrg)
	}
	if scope.SenderUnit != "" {
		c.add("u.name = ?", scope.SenderUnit)
	}
}

// FollowUps lists follow-ups in scope by deadline: open ones only unless
// all, at most limit.
func (s *Store) FollowUps(ctx context.Context, scope Scope, all bool, limit int) ([]FollowUp, error) {
	page, err := s.FollowUpsPage(ctx, scope, all, "", limit)
	if err != nil {
		return nil, err
	}
	return page.FollowUps, nil
}

// FollowUpPage is one page of follow-ups; NextCursor is empty on the last.
type FollowUpPage struct {
	FollowUps  []FollowUp
	NextCursor string
}

// FollowUpsPage is FollowUps a page at a time: the follow-ups after cursor
// (one NextCursor gave; "" from the start) by deadline, then shipment.
// ErrBadCursor for a cursor this server did not make.
func (s *Store) FollowUpsPage(ctx context.Context, scope Scope, all bool, cursor string, limit int) (*FollowUpPage, error) {
	return followUpsPage(ctx, s.db, scope, all, cursor, limit)
}

// FollowUpPager pages through follow-ups (FollowUpsPage).
type FollowUpPager interface {
	FollowUpsPage(ctx context.Context, scope Scope, all bool, cursor string, limit int) (*FollowUpPage, error)
}

// FollowUpsSnapshot runs fn with a pager whose every page reads the
// database as of one moment (a read-only, repeatable-read transaction): an
// export of many pages lists each follow-up once, though a deadline moves
// (an incident's follow-ups recorded again) or a decision is recorded
// while it is written; page by page, a follow-up whose deadline moved past
// the pages read came again.
func (s *Store) FollowUpsSnapshot(ctx context.Context, fn func(FollowUpPager) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin a follow-ups export's snapshot: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read only: nothing to commit
	return fn(followUpsTx{tx})
}

// followUpsTx pages through follow-ups in one transaction.
type followUpsTx struct{ tx *sqlx.Tx }

func (t followUpsTx) FollowUpsPage(ctx context.Context, scope Scope, all bool, cursor string, limit int) (*FollowUpPage, error) {
	return followUpsPage(ctx, t.tx, scope, all, cursor, limit)
}

// followUpsPage is FollowUpsPage through q.
func followUpsPage(ctx context.Context, q sqlx.QueryerContext, scope Scope, all bool, cursor string, limit int) (*FollowUpPage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	var c sqlConds
	if !all {
		c.add("f.decision IS NULL")
	}
	addScope(&c, scope)
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return nil, err
		}
		c.add("(f.deadline, f.shipment_id) > (?, ?)", at, id)
	}
	c.args = append(c.args, limit+1)
	out := []FollowUp{}
	query := fmt.Sprintf("%s WHERE %s ORDER BY f.deadline, f.shipment_id LIMIT $%d", followUpSelect, c.String(), len(c.args))
	if err := sqlx.SelectContext(ctx, q, &out, query, c.args...); err != nil {
		return nil, fmt.Errorf("list follow-ups: %w", err)
	}
	for i := range out {
		out[i].Note = maskNote(out[i].Note) // a note stored before notes were masked
	}
	page := &FollowUpPage{FollowUps: out}
	if len(out) > limit {
		page.FollowUps = out[:limit]
		last := page.FollowUps[limit-1]
		page.NextCursor = encodeCursor(last.Deadline, last.ShipmentID)
	}
	return page, nil
}

// FollowUpDecision is a follow-up decision to record.
type FollowUpDecision struct {
	ShipmentID     string
	Decision       string
	Note           string
	MissedDeadline bool
	// For DecisionResent, the letter sent again: Resend, registered in the
	// decision's transaction (as Register does: one the unit registered
	// under its channel id before is that letter), or NewShipmentID, one
	// registered already.
	Resend        *model.NewShipment
	NewShipmentID string
	Actor         string
	At            time.Time
	Deadline      time.Time // used when the shipment had no follow-up yet
}

// RecordFollowUp records a decision on a shipment's follow-up (creating the
// follow-up when there was none) and appends it to the shipment's evidence
// log, in one transaction. A later decision replaces an earlier one; the
// evidence log keeps both. The escalation follows the decision in force
// (escalationAfter): closed by one that ends the case, reopened when a
// decision that does not replaces it. A shipment the retention purge took
// (its event log deleted) gets none: ErrPurged.
//
// A resend's new letter (d.Resend) is registered in the same transaction,
// after the shipment is locked and found not purged: a purge that lands
// between the page read and the decision leaves neither the decision nor
// a letter registered for it and linked to nothing. The lock comes first,
// as in the purge (the letter, then its person), so the two wait for each
// other rather than deadlock. A channel id another sending unit's letter
// has is refused with a ForeignError, nothing stored.
func (s *Store) RecordFollowUp(ctx context.Context, d FollowUpDecision) error {
	d.Note = maskNote(d.Note)
	known := false
	for _, k := range Decisions {
		known = known || k == d.Decision
	}
	if !known {
		return fmt.Errorf("record follow-up: unknown decision %q", d.Decision)
	}
	if d.Decision == DecisionResent && d.NewShipmentID == "" && d.Resend == nil {
		return fmt.Errorf("record follow-up: a resend needs the new shipment")
	}
	if d.Decision != DecisionResent && d.Resend != nil {
		return fmt.Errorf("record follow-up: a new shipment to register goes with a resend only, not %q", d.Decision)
	}
	if d.Resend == nil {
		return s.inTx(ctx, func(tx *sqlx.Tx) error {
			cur, err := lockForFollowUp(ctx, tx, d.ShipmentID)
			if err != nil {
				return err
			}
			return recordFollowUp(ctx, tx, d, cur)
		})
	}
	var cur followUpLetter
	reg, err := s.beginRegistration(ctx, func(tx *sqlx.Tx) error {
		var err error
		cur, err = lockForFollowUp(ctx, tx, d.ShipmentID)
		return err
	})
	if err != nil {
		return err
	}
	defer reg.Rollback()
	stored, _, err := reg.store(ctx, []model.NewShipment{*d.Resend}, SourceUser, d.Actor, false, true)
	if err != nil {
		return fmt.Errorf("record follow-up of %s: register the letter sent again: %w", d.ShipmentID, err)
	}
	if n := d.Resend.Normalized(); stored[0].RecipientKind != n.RecipientKind || stored[0].RecipientID != n.RecipientID {
		return fmt.Errorf("record follow-up of %s: %w", d.ShipmentID, ErrResendOtherRecipient)
	}
	d.NewShipmentID = stored[0].ID
	if err := recordFollowUp(ctx, reg.tx, d, cur); err != nil {
		return err
	}
	if err := reg.Commit(); err != nil {
		return fmt.Errorf("record follow-up of %s: %w", d.ShipmentID, err)
	}
	return nil
}

// ErrResendOtherRecipient is RecordFollowUp's refusal of a resend whose
// channel id names a letter of the unit's to another recipient (an id
// mistyped or mixed up): not the letter sent again, and linked, the case
// would end as resent while its recipient got nothing. Nothing is stored.
var ErrResendOtherRecipient = errors.New("the new channel id is a letter to another recipient")

// followUpLetter is what a decision needs of its letter, locked.
type followUpLetter struct {
	State string      `db:"state"`
	Stage model.Stage `db:"stage"`
}

// lockForFollowUp locks the letter a decision is on (FOR UPDATE) and reads
// it: ErrNotFound when there is none, ErrPurged when the retention purge
// took it.
func lockForFollowUp(ctx context.Context, tx *sqlx.Tx, id string) (followUpLetter, error) {
	var cur struct {
		followUpLetter
		Purged bool `db:"purged"`
	}
	if err := tx.GetContext(ctx, &cur, `SELECT state, stage, purged_at IS NOT NULL AS purged FROM shipments WHERE id = $1 FOR UPDATE`,
		id); err != nil {
		return followUpLetter{}, fmt.Errorf("record follow-up of %s: %w", id, notFound(err))
	}
	if cur.Purged {
		return followUpLetter{}, fmt.Errorf("record follow-up of %s: %w", id, ErrPurged)
	}
	return cur.followUpLetter, nil
}

// recordFollowUp records d on its letter cur, locked in tx
// (lockForFollowUp): RecordFollowUp's writes.
func recordFollowUp(ctx context.Context, tx *sqlx.Tx, d FollowUpDecision, cur followUpLetter) error {
	var newID any
	if d.NewShipmentID != "" {
		newID = d.NewShipmentID
	}
	var closedFrom model.Stage
	if err := tx.GetContext(ctx, &closedFrom, `SELECT COALESCE(`+sqlClosedStage("f", "s")+`, '')
		FROM followups f JOIN shipments s ON s.id = f.shipment_id WHERE f.shipment_id = $1`,
		d.ShipmentID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("record follow-up of %s: read its decision in force: %w", d.ShipmentID, err)
	}
	to, closed := escalationAfter(cur.Stage, closedFrom, d.Decision)
	var closedStage any
	if closed != "" {
		closedStage = string(closed)
	}
	state := cur.State
	_, err := tx.ExecContext(ctx, `INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline,
			decision, note, missed_deadline, new_shipment_id, decided_by, decided_at, closed_stage)
		SELECT s.id, s.sender_unit_id,
			CASE WHEN s.state IN `+sqlUndeliveredStates+` THEN s.state ELSE 'unread' END,
			$2, $3, $4, $5, $6, $7, $8, $9
		FROM shipments s WHERE s.id = $1
		ON CONFLICT (shipment_id) DO UPDATE SET decision = EXCLUDED.decision, note = EXCLUDED.note,
			missed_deadline = EXCLUDED.missed_deadline, new_shipment_id = EXCLUDED.new_shipment_id,
			decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at, closed_stage = EXCLUDED.closed_stage`,
		d.ShipmentID, d.Deadline, d.Decision, d.Note, d.MissedDeadline, newID, d.Actor, d.At, closedStage)
	if err != nil {
		return fmt.Errorf("record follow-up of %s: %w", d.ShipmentID, err)
	}
	change, err := applyEscalationAfter(ctx, tx, d.ShipmentID, cur.Stage, to, d.Decision, d.Actor, d.At)
	if err != nil {
		return err
	}
	msg := "follow-up: " + d.Decision + change
	payload, _ := json.Marshal(map[string]any{"decision": d.Decision, "note": d.Note,
		"missed_statutory_deadline": d.MissedDeadline, "new_shipment_id": d.NewShipmentID})
	return appendEvent(ctx, tx, Event{ShipmentID: d.ShipmentID, Kind: EventFollowUp, Source: SourceUser,
		Actor: d.Actor, ObservedAt: d.At, FromState: state, ToState: state, Payload: payload,
		Message: msg})
}

// UnitFollowUps is one sending unit's open follow-ups, with the addresses
// its follow-up mails go to: the unit's contact and its manager.
type UnitFollowUps struct {
	UnitID        int64
	SenderOrg     string
	SenderOrgName string
	Unit          string
	ContactEmail  string
	ManagerEmail  string
	FollowUps     []FollowUp
}

// OverdueFollowUps is one sending unit's overdue follow-ups.
type OverdueFollowUps = UnitFollowUps

// OverdueFollowUps lists open follow-ups whose deadline passed before now,
// grouped per sending unit with the unit's addresses.
func (s *Store) OverdueFollowUps(ctx context.Context, now time.Time) ([]OverdueFollowUps, error) {
	return s.unitFollowUps(ctx, "followups f", "f.deadline < $1", now)
}

// OpenFollowUpsByUnit lists every open follow-up (no decision yet), grouped
// per sending unit with the unit's addresses, by organisation, unit and
// deadline; as OverdueFollowUps, not one SettleUnreadFollowUps closes (a
// dry run's notices are the run's).
func (s *Store) OpenFollowUpsByUnit(ctx context.Context) ([]UnitFollowUps, error) {
	return s.unitFollowUps(ctx, "followups f", "true")
}

// PreviewFollowUpsByUnit lists what OpenFollowUpsByUnit would after
// OpenFollowUps(unreadBefore, deadline), and writes nothing: the open
// follow-ups and those OpenFollowUps would open (a dry run's notices are
// the run's).
func (s *Store) PreviewFollowUpsByUnit(ctx context.Context, unreadBefore, deadline time.Time) ([]UnitFollowUps, error) {
	return s.unitFollowUps(ctx, `(SELECT shipment_id, sender_unit_id, reason, deadline, decision, note, missed_deadline,
			new_shipment_id, decided_by, decided_at FROM followups
		UNION ALL SELECT d.shipment_id, d.sender_unit_id, d.reason, $2::timestamptz, NULL::text, '', false, NULL::uuid, '',
			NULL::timestamptz FROM (`+followUpsDueSQL+`) d) f`, "true", unreadBefore, deadline)
}

// unitFollowUps reads the open follow-ups of from (followups f, or a set
// of rows of its columns named f) that meet cond, by unit.
func (s *Store) unitFollowUps(ctx context.Context, from, cond string, args ...any) ([]UnitFollowUps, error) {
	var rows []struct {
		UnitID        int64  `db:"unit_id"`
		SenderOrg     string `db:"sender_org"`
		SenderOrgName string `db:"sender_org_name"`
		ContactEmail  string `db:"contact_email"`
		ManagerEmail  string `db:"manager_email"`
		FollowUp
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT u.id AS unit_id, o.orgnr AS sender_org, o.name AS sender_org_name,
		u.contact_email, u.manager_email,
		f.shipment_id, u.name AS sender_unit, s.channel, s.channel_id, r.kind AS recipient_kind,
		r.ident AS recipient_ident, s.state, s.sent_at, f.reason, f.deadline, f.decision, f.note,
		f.missed_deadline, f.new_shipment_id, f.decided_by, f.decided_at
		FROM `+from+`
		JOIN shipments s ON s.id = f.shipment_id
		JOIN sender_units u ON u.id = f.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		JOIN recipients r ON r.id = s.recipient_id
		WHERE f.decision IS NULL AND `+cond+`
			-- one the notice run closes before it reads (a dry run, which
			-- closes nothing, leaves it out as the run does)
			AND NOT (`+sqlUnreadFollowUpSettled+`)
		ORDER BY o.orgnr, u.name, f.deadline, f.shipment_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list open follow-ups by unit: %w", err)
	}
	var out []UnitFollowUps
	for _, r := range rows {
		if n := len(out); n == 0 || out[n-1].UnitID != r.UnitID {
			out = append(out, UnitFollowUps{UnitID: r.UnitID, SenderOrg: r.SenderOrg, SenderOrgName: r.SenderOrgName,
				Unit: r.SenderUnit, ContactEmail: r.ContactEmail, ManagerEmail: r.ManagerEmail})
		}
		out[len(out)-1].FollowUps = append(out[len(out)-1].FollowUps, r.FollowUp)
	}
	return out, nil
}

// maskNote is a note a person typed (a follow-up's, a manual case's
// resolution) as it is stored: its national ids masked (MaskNationalIDsIn:
// fødselsnummer and CPR, 010180****). A note goes out in exports, the API
// and the evidence, whatever field a case worker typed a citizen's id into.
func maskNote(s string) string { return string(model.MaskNationalIDsIn([]byte(s))) }
