package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// IncidentFilter selects the letters of an incident: of a channel, sending
// unit, sender system, class or receiving organisation, sent in a period,
// in some states.
// It is both the incident report's filter and a health alert's selector
// (which letters the alert is about). Empty fields do not narrow.
type IncidentFilter struct {
	Scope        `json:"scope"` // sender organisation (and, for role unit, unit) in view
	Channel      string         `json:"channel,omitempty"`
	Unit         string         `json:"unit,omitempty"`    // sending unit's name
	UnitID       int64          `json:"unit_id,omitempty"` // sending unit's row id (sender_units.id): the incident page names no unit in a URL
	System       string         `json:"system,omitempty"`  // sender system (the system that registered the letters)
	Class        string         `json:"class,omitempty"`   // policy class
	Org          string         `json:"org,omitempty"`     // receiving organisation's number
	States       []model.State  `json:"states,omitempty"`
	From         time.Time      `json:"from"` // sent in [From, To); zero: unbounded
	To           time.Time      `json:"to"`
	Confidential bool           `json:"confidential,omitempty"` // only confidential letters
	// AvailableBefore: only letters that became available before it.
	AvailableBefore time.Time `json:"available_before,omitempty"`
	// Unscheduled leaves out letters whose latest word from the channel is
	// one of these statuses (a delivery the sender scheduled for later:
	// channel.Spec.Scheduled).
	Unscheduled []string `json:"unscheduled,omitempty"`
	// PublishedBy leaves out letters held for a publication their sender
	// asked to be later (held_until) than it: a stuck alert's letters are
	// due since their publication, as the rule counts them.
	PublishedBy time.Time `json:"published_by,omitempty"`
	// Live leaves out letters closed (on the channel: recalled, deleted;
	// or by a follow-up), printed (by the channel itself or by postvakt's
	// print fallback) or delivered into the recipient's own system: the
	// stages model.Stage.UnreadSettled, in which no follow-up is needed.
	Live bool `json:"live,omitempty"`
	// ExceptStages leaves out letters in these stages.
	ExceptStages []model.Stage `json:"except_stages,omitempty"`
	// Undecided: only letters whose follow-up has no decision yet (a
	// letter the sending unit has dealt with — resent, written anew,
	// closed — no longer counts for an alert).
	Undecided bool `json:"undecided,omitempty"`
	// NoLetters: the alert is about no letters (a channel's client
	// certificate ending): the filter selects none.
	NoLetters bool `json:"no_letters,omitempty"`
}

// json is the filter as stored on an alert (jsonb).
func (f IncidentFilter) json() ([]byte, error) { return json.Marshal(f) }

// String names the filter for the audit log: every field that narrows,
// as k=v; a receiving organisation by its number (never a person).
func (f IncidentFilter) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	add("from", t(f.From))
	add("to", t(f.To))
	add("channel", f.Channel)
	add("sender_org", f.SenderOrg)
	add("unit", f.Unit)
	if f.UnitID != 0 {
		add("unit_id", strconv.FormatInt(f.UnitID, 10))
	}
	if f.SenderUnit != "" && f.SenderUnit != f.Unit {
		add("scope_unit", f.SenderUnit)
	}
	add("system", f.System)
	add("class", f.Class)
	add("org", f.Org)
	var ss []string
	for _, s := range f.States {
		ss = append(ss, string(s))
	}
	add("state", strings.Join(ss, ","))
	if f.Confidential {
		add("confidential", "true")
	}
	add("available_before", t(f.AvailableBefore))
	if f.Undecided {
		add("undecided", "true")
	}
	if f.NoLetters {
		add("no_letters", "true")
	}
	return strings.Join(parts, " ")
}

// where builds the filter's conditions on shipments s joined with units u,
// organisations o and recipients r.
func (f IncidentFilter) where(c *sqlConds) error {
	for _, st := range f.States {
		if !st.Valid() {
			return fmt.Errorf("unknown state %q", st)
		}
	}
	if f.NoLetters {
		c.add("false")
	}
	addScope(c, f.Scope)
	if f.Channel != "" {
		c.add("s.channel = ?", f.Channel)
	}
	if f.Unit != "" {
		c.add("u.name = ?", f.Unit)
	}
	if f.UnitID != 0 { // anded with the scope: an id outside it selects nothing
		c.add("u.id = ?", f.UnitID)
	}
	if f.System != "" {
		c.add("s.sender_system = ?", f.System)
	}
	if f.Class != "" {
		c.add("s.class = ?", f.Class)
	}
	if f.Org != "" {
		c.add("r.kind = 'org' AND r.ident = ?", f.Org)
	}
	if len(f.States) > 0 {
		c.add("s.state = ANY(?)", pq.Array(f.States))
	}
	if !f.From.IsZero() {
		c.add("s.sent_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		c.add("s.sent_at < ?", f.To)
	}
	if f.Confidential {
		c.add("s.confidential")
	}
	if !f.AvailableBefore.IsZero() {
		c.add("s.available_at < ?", f.AvailableBefore)
	}
	if len(f.Unscheduled) > 0 {
		c.add("NOT ("+sqlScheduled+")", pq.Array(f.Unscheduled))
	}
	if !f.PublishedBy.IsZero() {
		c.add("NOT COALESCE(s.held_until > ?, false)", f.PublishedBy)
	}
	if f.Live {
		c.add("s.stage NOT IN (" + sqlUnreadSettled + ")")
	}
	if len(f.ExceptStages) > 0 {
		c.add("s.stage <> ALL(?)", pq.Array(f.ExceptStages))
	}
	if f.Undecided {
		c.add("NOT EXISTS (SELECT 1 FROM followups fd WHERE fd.shipment_id = s.id AND fd.decision IS NOT NULL)")
	}
	return nil
}

// IncidentRow is one letter of an incident report with its evidence in
// short: the sender system that registered it, when the channel last
// changed its state and to what raw status, when it became available, and
// its follow-up.
type IncidentRow struct {
	Letter
	SenderSystem  string     `db:"sender_system" json:"sender_system"`
	ChannelStatus string     `db:"channel_status" json:"channel_status"`
	AvailableAt   *time.Time `db:"available_at" json:"available_at,omitempty"`
	FollowUp      *string    `db:"followup" json:"followup,omitempty"` // decision, or "open" while undecided
	Deadline      *time.Time `db:"deadline" json:"followup_deadline,omitempty"`
	// What escalation did about the letter: its reminders, and its print
	// order's state (none: no print decision).
	RemindersSent  int        `db:"reminders_sent" json:"reminders_sent"`
	LastRemindedAt *time.Time `db:"last_reminded_at" json:"last_reminded_at,omitempty"`
	PrintState     *string    `db:"print_state" json:"print_state,omitempty"`
}

const incidentColumns = letterColumns + `, s.sender_system, s.channel_status, s.available_at,
	CASE WHEN f.shipment_id IS NULL THEN NULL ELSE COALESCE(f.decision, 'open') END AS followup, f.deadline,
	s.reminders_sent, COALESCE(` + sqlLastReminded + `, s.last_reminded_at) AS last_reminded_at, po.state AS print_state`

// sqlScheduled is true for a letter whose latest event from its channel
// has one of the statuses in the (only) parameter: a delivery the sender
// scheduled for later, still waiting. The partial index
// shipment_events_scheduled (migration 00031) holds exactly the events
// with such a status, so that the question reads those, not every event.
const sqlScheduled = `EXISTS (SELECT 1 FROM shipment_events se WHERE se.shipment_id = s.id AND se.raw_status = ANY(?)
	AND NOT EXISTS (SELECT 1 FROM shipment_events sl WHERE sl.shipment_id = s.id AND sl.source = se.source
		AND sl.observed_at > se.observed_at))`

// incidentFrom joins the follow-ups, and each unit's place in name order
// (uk.k): sorting 100,000 letters by an integer is several times faster
// than by the unit's name (a collation per comparison).
const incidentFrom = shipmentFrom + ` LEFT JOIN followups f ON f.shipment_id = s.id
	LEFT JOIN print_orders po ON po.shipment_id = s.id
	JOIN (` + unitOrder + `) uk ON uk.id = s.sender_unit_id`

// unitOrder numbers the sending units in the report's order (k).
const unitOrder = `SELECT uu.id, row_number() OVER (ORDER BY uu.name, oo.orgnr) AS k
	FROM sender_units uu JOIN sender_orgs oo ON oo.id = uu.sender_org_id`

// incidentOrder is the report's order: per unit, oldest first.
const incidentOrder = ` ORDER BY uk.k, s.sent_at, s.id`

// EachIncidentLetter streams the letters the filter selects, grouped per
// sending unit (by name), oldest first within a unit.
func (s *Store) EachIncidentLetter(ctx context.Context, f IncidentFilter, fn func(*IncidentRow) error) error {
	return eachIncidentLetter(ctx, s.db, f, fn)
}

// IncidentLetters returns at most limit letters the filter selects, in
// report order.
func (s *Store) IncidentLetters(ctx context.Context, f IncidentFilter, limit int) ([]IncidentRow, error) {
	var c sqlConds
	if err := f.where(&c); err != nil {
		return nil, err
	}
	c.args = append(c.args, limit)
	q := fmt.Sprintf(`SELECT %s %s WHERE %s %s LIMIT $%d`, incidentColumns, incidentFrom, c.String(), incidentOrder, len(c.args))
	out := []IncidentRow{}
	if err := s.db.SelectContext(ctx, &out, q, c.args...); err != nil {
		return nil, fmt.Errorf("list incident letters: %w", err)
	}
	return out, nil
}

// UnitCount is how many letters of a sending unit an incident holds in one
// state.
type UnitCount struct {
	SenderOrg string      `db:"sender_org" json:"sender_org"`
	Unit      string      `db:"sender_unit" json:"sender_unit"`
	State     model.State `db:"state" json:"state"`
	N         int         `db:"n" json:"count"`
}

// IncidentSummary counts the letters the filter selects per sending unit
// and state.
func (s *Store) IncidentSummary(ctx context.Context, f IncidentFilter) ([]UnitCount, error) {
	return incidentSummary(ctx, s.db, f)
}

// IncidentPage is what a page of an incident shows: the count per sending
// unit and state (as IncidentSummary) and the first letters in report
// order (as IncidentLetters with the same limit).
type IncidentPage struct {
	Summary []UnitCount
	Letters []IncidentRow
}

// IncidentPage reads an incident's summary and its first limit letters
// with one pass over the letters the filter selects: the selection is
// made once, narrow (id, unit, state, sent time), counted, and only the
// first limit letters are read in full. (Summary and letters apart made
// the selection twice, and joined and sorted every selected letter in
// full for the first 500: 594 ms per view of an alert about 76,517 of
// 100,000 letters, 204 ms now; see README, The incident report.)
func (s *Store) IncidentPage(ctx context.Context, f IncidentFilter, limit int) (*IncidentPage, error) {
	q, args, err := incidentPageQuery(f, limit)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		UnitCount
		First pq.StringArray `db:"first"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("summarise incident: %w", err)
	}
	p := &IncidentPage{Summary: make([]UnitCount, 0, len(rows)), Letters: []IncidentRow{}}
	for _, r := range rows {
		p.Summary = append(p.Summary, r.UnitCount)
	}
	if len(rows) == 0 || len(rows[0].First) == 0 {
		return p, nil
	}
	q = fmt.Sprintf(`SELECT %s %s WHERE s.id = ANY($1::uuid[]) %s`, incidentColumns, incidentFrom, incidentOrder)
	if err := s.db.SelectContext(ctx, &p.Letters, q, rows[0].First); err != nil {
		return nil, fmt.Errorf("read the first letters of an incident: %w", err)
	}
	return p, nil
}

// incidentPageQuery is IncidentPage's one pass: a row per sending unit and
// state (IncidentSummary's), each with the ids of the first limit letters
// in report order (an uncorrelated subquery: computed once).
func incidentPageQuery(f IncidentFilter, limit int) (string, []any, error) {
	var c sqlConds
	if err := f.where(&c); err != nil {
		return "", nil, err
	}
	c.args = append(c.args, limit)
	return fmt.Sprintf(`WITH sel AS MATERIALIZED (
			SELECT s.id, s.sender_unit_id, s.state, s.sent_at %s WHERE %s),
		first AS (
			SELECT sel.id FROM sel JOIN (`+unitOrder+`) uk ON uk.id = sel.sender_unit_id
			ORDER BY uk.k, sel.sent_at, sel.id LIMIT $%d)
		SELECT o.orgnr AS sender_org, u.name AS sender_unit, g.state, g.n,
			(SELECT COALESCE(array_agg(first.id::text), '{}') FROM first) AS first
		FROM (SELECT sender_unit_id, state, count(*) AS n FROM sel GROUP BY sender_unit_id, state) g
		JOIN sender_units u ON u.id = g.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		ORDER BY u.name, o.orgnr, g.state`, shipmentFrom, c.String(), len(c.args)), c.args, nil
}

// CountIncident counts the letters the filter selects.
func (s *Store) CountIncident(ctx context.Context, f IncidentFilter) (int, error) {
	var c sqlConds
	if err := f.where(&c); err != nil {
		return 0, err
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) `+shipmentFrom+` WHERE `+c.String(), c.args...); err != nil {
		return 0, fmt.Errorf("count incident letters: %w", err)
	}
	return n, nil
}

// IncidentFollowUps is a follow-up recorded for every letter of an incident
// at once (the Copenhagen practice: every sender gets the list and a
// deadline): open the follow-ups with a deadline, and, with a decision,
// record it too. Opened letters need none and are left out, and so are
// letters the retention purge took; so is a letter whose follow-up is
// already decided, unless Replace.
type IncidentFollowUps struct {
	Filter   IncidentFilter
	Reason   string    // why, e.g. "alert 12 stuck" (default "incident")
	Deadline time.Time // required: the deadline of follow-ups still undecided
	Decision string    // "" (open only), or one of Decisions but resent (that needs the new letter)
	Note     string
	Replace  bool
	Actor    string
	At       time.Time
}

// RecordIncidentFollowUps records the follow-ups of every letter the filter
// selects (opened letters left out) and appends an event to each letter's
// evidence log, incidentBatch letters a transaction in id order (100,000 in
// one held them all locked for 17 s, polls and escalation waiting). A
// failure leaves the batches before it recorded; running it again goes on
// (a letter already done is touched again the same way). It returns how
// many letters it touched.
func (s *Store) RecordIncidentFollowUps(ctx context.Context, d IncidentFollowUps) (int, error) {
	d.Note = maskNote(d.Note)
	switch d.Decision {
	case "", DecisionNewLetter, DecisionAssessed, DecisionClosed:
	case DecisionResent:
		return 0, fmt.Errorf("record incident follow-ups: a resend needs each letter's new shipment; record it per letter")
	default:
		return 0, fmt.Errorf("record incident follow-ups: unknown decision %q", d.Decision)
	}
	if d.Deadline.IsZero() {
		return 0, fmt.Errorf("record incident follow-ups: a deadline is needed")
	}
	if d.Reason == "" {
		d.Reason = "incident"
	}
	var c sqlConds
	if err := d.Filter.where(&c); err != nil {
		return 0, err
	}
	c.add("s.state <> 'opened'")
	// A letter the retention purge took is left out, as a decision on it
	// alone is refused (ErrPurged): its note would outlive the purge.
	c.add("s.purged_at IS NULL")
	if !d.Replace {
		c.add("(f.shipment_id IS NULL OR f.decision IS NULL)")
	}
	n := len(c.args)
	var decision any
	if d.Decision != "" {
		decision = d.Decision
	}
	// The statement decides what the decision does to each letter's
	// escalation, as escalationAfter does for one letter, and returns it:
	// one that ends the case closes a stage a decision may close (closes;
	// the follow-up keeps the stage it closed, closed_stage), one that does
	// not, replacing one that closed it, reopens it (reopen_to,
	// sqlReopenTo). closeByDecision and reopenByDecision, the one place of
	// a close's and of a reopen's side effects, apply it after the
	// statement in the same transaction.
	args := append(c.args[:n:n], d.Reason, d.Deadline, decision, d.Note, d.Actor, d.At, EventFollowUp, SourceUser, DecisionEnds(d.Decision))
	q := fmt.Sprintf(`WITH sel AS (
			SELECT s.id, s.sender_unit_id, s.state, s.stage,
				$%[11]d::boolean AND s.stage IN (`+sqlClosedByDecision+`) AS closes,
				CASE WHEN $%[5]d::text IS NOT NULL AND NOT $%[11]d::boolean AND s.stage = `+sqlStage(model.StageClosed)+`
					THEN `+sqlReopenTo(sqlClosedStage("f", "s"))+` END AS reopen_to
			%[1]s WHERE %[2]s AND s.id = ANY($%[12]d::uuid[]) ORDER BY s.id FOR UPDATE OF s),
		up AS (
			INSERT INTO followups AS f (shipment_id, sender_unit_id, reason, deadline, decision, note, decided_by, decided_at, closed_stage)
			SELECT sel.id, sel.sender_unit_id, $%[3]d, $%[4]d, $%[5]d::text, $%[6]d,
				CASE WHEN $%[5]d::text IS NULL THEN '' ELSE $%[7]d END, CASE WHEN $%[5]d::text IS NULL THEN NULL ELSE $%[8]d::timestamptz END,
				CASE WHEN sel.closes THEN sel.stage END
			FROM sel
			ON CONFLICT (shipment_id) DO UPDATE SET
				closed_stage = CASE WHEN EXCLUDED.decision IS NULL THEN f.closed_stage
					WHEN $%[11]d::boolean THEN COALESCE(EXCLUDED.closed_stage, f.closed_stage) END,
				deadline = CASE WHEN f.decision IS NULL THEN EXCLUDED.deadline ELSE f.deadline END,
				decision = COALESCE(EXCLUDED.decision, f.decision), note = CASE WHEN EXCLUDED.decision IS NULL THEN f.note ELSE EXCLUDED.note END,
				decided_by = CASE WHEN EXCLUDED.decision IS NULL THEN f.decided_by ELSE EXCLUDED.decided_by END,
				decided_at = CASE WHEN EXCLUDED.decision IS NULL THEN f.decided_at ELSE EXCLUDED.decided_at END
			RETURNING f.shipment_id),
		ev AS (
			INSERT INTO shipment_events (shipment_id, kind, source, actor, observed_at, from_state, to_state, payload, message)
			SELECT sel.id, $%[9]d, $%[10]d, $%[7]d, $%[8]d, sel.state, sel.state,
				jsonb_build_object('decision', $%[5]d::text, 'note', $%[6]d::text, 'reason', $%[3]d::text, 'deadline', $%[4]d::timestamptz),
				CASE WHEN $%[5]d::text IS NULL THEN 'follow-up opened: ' || $%[3]d::text ELSE 'follow-up: ' || $%[5]d::text || ' (' || $%[3]d::text || ')' END
					|| CASE WHEN sel.closes THEN '; escalation closed (stage ' || sel.stage || ')' ELSE '' END
					|| CASE WHEN sel.reopen_to IS NOT NULL THEN '; escalation reopened (stage ' || sel.reopen_to || ')' ELSE '' END
			FROM sel JOIN up ON up.shipment_id = sel.id
			RETURNING shipment_id)
		SELECT sel.id, sel.stage, sel.closes, sel.reopen_to FROM sel JOIN ev ON ev.shipment_id = sel.id`,
		incidentFrom, c.String(), n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
	// Each batch locks its letters first and decides in a second
	// statement: under READ COMMITTED a statement that waited for a lock
	// re-reads only the locked letter, not its follow-up, so a close
	// committed meanwhile (RecordFollowUp) would be decided on the
	// follow-up as it was before (its closed_stage unseen, the letter left
	// closed). The second statement's snapshot is taken after the locks.
	lock := fmt.Sprintf(`SELECT s.id AS locked%s WHERE %s AND s.id > $%d::uuid ORDER BY s.id LIMIT $%d FOR UPDATE OF s`,
		incidentFrom, c.String(), n+1, n+2)
	cursor := "00000000-0000-0000-0000-000000000000"
	total := 0
	for {
		var ids []string
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			if err := tx.SelectContext(ctx, &ids, lock, append(c.args[:n:n], cursor, incidentBatch)...); err != nil || len(ids) == 0 {
				return err
			}
			var touched []struct {
				ID       string       `db:"id"`
				Stage    model.Stage  `db:"stage"`
				Closes   bool         `db:"closes"`
				ReopenTo *model.Stage `db:"reopen_to"`
			}
			if err := tx.SelectContext(ctx, &touched, q, append(args[:len(args):len(args)], pq.Array(ids))...); err != nil {
				return err
			}
			var closes []closing
			var reopens []reopening
			for _, r := range touched {
				switch {
				case r.Closes:
					closes = append(closes, closing{r.ID, r.Stage})
				case r.ReopenTo != nil:
					reopens = append(reopens, reopening{r.ID, *r.ReopenTo})
				}
			}
			if err := closeByDecision(ctx, tx, closes, d.Decision, d.Actor, d.At); err != nil {
				return err
			}
			if err := reopenByDecision(ctx, tx, reopens, d.At); err != nil {
				return err
			}
			total += len(touched)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("record incident follow-ups (after %d): %w", total, err)
		}
		if len(ids) < incidentBatch {
			return total, nil
		}
		cursor = ids[len(ids)-1]
	}
}

// incidentBatch is how many letters RecordIncidentFollowUps records in one
// transaction; a variable for tests.
var incidentBatch = 2000
