package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
)

// List names one of the compliance lists.
type ListName string

// The lists. Each is a fixed condition on shipments that an index serves
// (see migrations/00005_ui.sql), narrowed further by a ListFilter.
const (
	ListUnopened ListName = "unopened" // confidential, not yet opened, not final
	ListProblems ListName = "problems" // rejected, failed or expired
	ListManual   ListName = "manual"   // escalation ended in manual handling
	ListSearch   ListName = "search"   // every shipment to one recipient (needs Recipient)
	// ListUnknown: shipments their channel has never heard of (the sender
	// system thought it sent them).
	ListUnknown ListName = "unknown_to_channel"
	// ListAll: every shipment in scope, the API's list when it names none
	// (GET /api/v1/shipments); no page of the UI's offers it.
	ListAll ListName = "all"
)

// Lists are the known lists, for validating a request.
var Lists = []ListName{ListUnopened, ListProblems, ListManual, ListSearch, ListUnknown}

// ListFilter narrows a list. Empty fields do not narrow.
type ListFilter struct {
	Scope
	List      ListName
	Recipient string // organisation number or person id of the recipient
	// RecipientRow selects a recipient by its row id (recipients.id), as the
	// summary's drill-down links do, so no person id travels in a URL.
	RecipientRow int64
	// RecipientKind narrows to recipients of one kind: model.RecipientOrg
	// (organisations) or model.RecipientPerson (citizens); "" for both.
	// The pages' summaries by recipient read both at once (SummariseOrgs:
	// the organisations ranked, the citizens' letters one count).
	RecipientKind string
	Unit          string // sending unit's name
	UnitID        int64  // sending unit's row id (sender_units.id): the UI's links name no unit in a URL
	State         string // normalised state
	Stage         string // escalation stage
	Class         string // policy class
	Channel       string // svarut, altinn
	// ChannelID selects the letter of that id on its channel (Channel, or
	// any): what a sender system knows of a letter it imported.
	ChannelID string
	From, To  time.Time // sent in [From, To)
	SentUntil time.Time // sent at or before (age filter: MinAgeBound)
	// Step narrows the list to the letters escalation took that step for
	// in [StepFrom, StepTo) (a zero bound is none): reminded, print
	// ordered, sent to manual handling, as the overview counts them.
	Step             Step
	StepFrom, StepTo time.Time
	Limit            int
	Cursor           string
}

// MinAgeBound is SentUntil for letters at least days old as of now: days of
// 24 hours, as the lists and exports count a letter's age, not calendar
// days in the process's zone (which summer time makes 23 or 25 hours). The
// bound is inclusive (sent_at <= it): a letter exactly days×24 h old is at
// least days old. Every user (the lists, the API, `report --min-age`, the
// unread follow-ups) compares with <=.
func MinAgeBound(now time.Time, days int) time.Time {
	return now.Add(-time.Duration(days) * 24 * time.Hour)
}

// Letter is what lists, incident reports and their exports show of every
// shipment: its ids, sender, recipient, class and where it stands. It
// carries no title (that is on the evidence page only) and never puts the
// recipient's identifier in JSON. Rows embed it; sqlx and encoding/json
// see its fields as the row's own.
type Letter struct {
	ID             string      `db:"id" json:"id"`
	Channel        string      `db:"channel" json:"channel"`
	ChannelID      string      `db:"channel_id" json:"channel_id"`
	SenderOrg      string      `db:"sender_org" json:"sender_org"`
	SenderUnit     string      `db:"sender_unit" json:"sender_unit"`
	RecipientKind  string      `db:"recipient_kind" json:"recipient_kind"`
	RecipientID    string      `db:"recipient_ident" json:"-"`
	Class          string      `db:"class" json:"class"`
	Confidential   bool        `db:"confidential" json:"confidential"`
	SentAt         time.Time   `db:"sent_at" json:"sent_at"`
	State          model.State `db:"state" json:"state"`
	StateChangedAt time.Time   `db:"state_changed_at" json:"state_changed_at"`
	Stage          model.Stage `db:"stage" json:"stage"`
}

// letterColumns select a Letter from shipmentFrom.
const letterColumns = `s.id, s.channel, s.channel_id, o.orgnr AS sender_org, u.name AS sender_unit,
	r.kind AS recipient_kind, r.ident AS recipient_ident, s.class, s.confidential, s.sent_at, s.state,
	s.state_changed_at, s.stage`

// ListRow is one shipment in a list: the letter, its recipient's name and
// its reminders.
type ListRow struct {
	Letter
	RecipientName string     `db:"recipient_name" json:"recipient_name"`
	RemindersSent int        `db:"reminders_sent" json:"reminders_sent"`
	LastReminded  *time.Time `db:"last_reminded_at" json:"last_reminded_at,omitempty"`
	// UnknownToChannelSince: the channel has never heard of the shipment.
	UnknownToChannelSince *time.Time `db:"unknown_to_channel_since" json:"unknown_to_channel_since,omitempty"`
	// FollowUpDecision is the sending unit's follow-up decision (a code of
	// Decisions, "" for none yet) and FollowUpDecidedAt when it was taken:
	// read by the exports' stream (EachShipmentFacts) only.
	FollowUpDecision  string     `db:"-" json:"-"`
	FollowUpDecidedAt *time.Time `db:"-" json:"-"`
	// The letter's reminder and print history, read by the exports'
	// stream (EachShipmentFacts) only, for the compliance officer who
	// must say when it was reminded and printed: FirstRemindedAt is when
	// its first reminder was sent (with RemindersSent and LastReminded);
	// PrintOrderedAt when escalation ordered its print (held for approval
	// or not), PrintState that order's state (a PrintState… code, "" for
	// none) and PrintPlacedAt when the print provider accepted it (nil
	// while it has not; kept by the retention purge with the order).
	FirstRemindedAt *time.Time `db:"-" json:"-"`
	PrintOrderedAt  *time.Time `db:"-" json:"-"`
	PrintState      string     `db:"-" json:"-"`
	PrintPlacedAt   *time.Time `db:"-" json:"-"`
}

// ListPage is one page of a list, oldest first.
type ListPage struct {
	Rows       []ListRow `json:"shipments"`
	NextCursor string    `json:"next_cursor"`
}

const listColumns = letterColumns + `, r.name AS recipient_name, s.reminders_sent,
	COALESCE(` + sqlLastReminded + `, s.last_reminded_at) AS last_reminded_at, s.unknown_to_channel_since`

// sqlLastReminded is when a letter's last reminder was sent, as the lists,
// exports and incident reports say it: its sent reminders' latest, when the server (or
// Altinn Notifications) took each; NULL when none is kept (never reminded,
// or the evidence purged: then the shipment's last_reminded_at, the
// sending run's start, which its next reminder's wait counts from). An
// index probe by the letter (notification_items_once), only for a letter
// reminded.
const sqlLastReminded = `CASE WHEN s.reminders_sent > 0 THEN (SELECT max(n.sent_at) FROM notification_items i
			JOIN notifications n ON n.id = i.notification_id
			WHERE i.shipment_id = s.id AND i.active AND n.status = '` + string(NotifySent) + `') END`

// recipientKey says how an identifier is stored: organisation numbers have
// 8 (CVR) or 9 digits, person ids 10 (CPR) or 11.
func recipientKey(ident string) (kind string) {
	if len(ident) >= 10 {
		return "person"
	}
	return "org"
}

// sqlConds collects SQL conditions with numbered placeholders: each ? in a
// condition becomes the next $n.
type sqlConds struct {
	args  []any
	parts []string
}

func (c *sqlConds) add(sql string, v ...any) {
	for _, a := range v {
		c.args = append(c.args, a)
		sql = strings.Replace(sql, "?", fmt.Sprintf("$%d", len(c.args)), 1)
	}
	c.parts = append(c.parts, sql)
}

func (c *sqlConds) String() string {
	if len(c.parts) == 0 {
		return "true"
	}
	return strings.Join(c.parts, " AND ")
}

// where builds the list's conditions on shipments s.
func (f ListFilter) where(c *sqlConds, withCursor bool) error {
	switch f.List {
	case ListUnopened, "":
		c.add(`s.confidential AND s.state IN ` + sqlOpenStates)
	case ListProblems:
		c.add(`s.state IN ` + sqlUndeliveredStates)
	case ListManual:
		c.add(`s.stage = ` + sqlStage(model.StageManual))
	case ListUnknown:
		c.add(`s.unknown_to_channel_since IS NOT NULL`)
	case ListAll: // no condition of its own
	case ListSearch:
		if f.Recipient == "" && f.RecipientRow == 0 {
			return fmt.Errorf("search needs a recipient")
		}
	default:
		return fmt.Errorf("unknown list %q", f.List)
	}
	if f.SenderOrg != "" || f.SenderUnit != "" || f.Unit != "" || f.UnitID != 0 {
		sub := `s.sender_unit_id IN (SELECT uu.id FROM sender_units uu JOIN sender_orgs oo ON oo.id = uu.sender_org_id WHERE true`
		var extra []any
		for _, x := range []struct{ col, v string }{{"oo.orgnr", f.SenderOrg}, {"uu.name", f.SenderUnit}, {"uu.name", f.Unit}} {
			if x.v != "" {
				sub += " AND " + x.col + " = ?"
				extra = append(extra, x.v)
			}
		}
		if f.UnitID != 0 { // in the scope's organisation and unit, never beside them
			sub += " AND uu.id = ?"
			extra = append(extra, f.UnitID)
		}
		c.add(sub+")", extra...)
	}
	if f.RecipientRow != 0 {
		c.add("s.recipient_id = ?", f.RecipientRow)
	}
	if f.RecipientKind != "" {
		c.add(`s.recipient_id IN (SELECT rk.id FROM recipients rk WHERE rk.kind = ?)`, f.RecipientKind)
	}
	if f.Recipient != "" {
		c.add(`s.recipient_id = (SELECT rr.id FROM recipients rr WHERE rr.kind = ? AND rr.ident = ?)`, recipientKey(f.Recipient), f.Recipient)
	}
	for _, x := range []struct{ col, v string }{{"s.state", f.State}, {"s.stage", f.Stage}, {"s.class", f.Class}, {"s.channel", f.Channel}} {
		if x.v != "" {
			c.add(x.col+" = ?", x.v)
		}
	}
	if f.ChannelID != "" {
		// On the unique (channel, channel_id) index: every channel the
		// letter may be on, when the filter names none.
		in := "s.channel IN (" + sqlList(model.Channels()) + ")"
		if f.Channel != "" {
			in = "true"
		}
		c.add(in+" AND s.channel_id = ?", f.ChannelID)
	}
	if !f.From.IsZero() {
		c.add("s.sent_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		c.add("s.sent_at < ?", f.To)
	}
	if !f.SentUntil.IsZero() {
		c.add("s.sent_at <= ?", f.SentUntil)
	}
	if f.Step != "" {
		from, to := "", ""
		var at []any
		if !f.StepFrom.IsZero() {
			from, at = "?", append(at, f.StepFrom)
		}
		if !f.StepTo.IsZero() {
			to, at = "?", append(at, f.StepTo)
		}
		in, err := stepShipments(f.Step, from, to)
		if err != nil {
			return err
		}
		c.add("s.id IN ("+in+")", at...)
	}
	if withCursor && f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return err
		}
		c.add("(s.sent_at, s.id) > (?, ?)", at, id)
	}
	return nil
}

// ListShipments returns one page of a list, oldest first (keyset paging on
// sent time and id).
func (s *Store) ListShipments(ctx context.Context, f ListFilter) (*ListPage, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	var c sqlConds
	if err := f.where(&c, true); err != nil {
		return nil, err
	}
	c.args = append(c.args, f.Limit+1)
	q := fmt.Sprintf(`SELECT %s %s WHERE %s ORDER BY s.sent_at, s.id LIMIT $%d`, listColumns, shipmentFrom, c.String(), len(c.args))
	rows := []ListRow{}
	if err := s.db.SelectContext(ctx, &rows, q, c.args...); err != nil {
		return nil, fmt.Errorf("list %s shipments: %w", f.List, err)
	}
	page := &ListPage{Rows: rows}
	if len(rows) > f.Limit {
		page.Rows = rows[:f.Limit]
		last := page.Rows[f.Limit-1]
		page.NextCursor = encodeCursor(last.SentAt, last.ID)
	}
	return page, nil
}

// ListGroup is one line of a summary: the shipments of a list for one
// receiving organisation (or one sending unit).
type ListGroup struct {
	RowID int64  `db:"gid" json:"-"`   // recipients.id or sender_units.id
	Key   string `db:"key" json:"key"` // recipient id, or unit name
	Kind  string `db:"kind" json:"kind"`
	// SenderOrg is a unit's sending organisation (by unit): two
	// organisations' units may share a name.
	SenderOrg    string      `db:"sender_org" json:"sender_org,omitempty"`
	Name         string      `db:"name" json:"name"`
	Count        int         `db:"n" json:"count"`
	Oldest       time.Time   `db:"oldest" json:"oldest"`
	StageRank    int         `db:"stage_rank" json:"-"`
	Stage        model.Stage `db:"-" json:"stage"` // the furthest stage reached
	MaxReminders int         `db:"max_reminders" json:"reminders"`
	Groups       int         `db:"groups" json:"-"`
	Total        int         `db:"total" json:"-"`
	LastReminder *time.Time  `db:"last_reminder" json:"last_reminder,omitempty"`
}

// ListSummary is a page of groups and the totals over all groups.
type ListSummary struct {
	Groups      []ListGroup `json:"groups"`
	TotalGroups int         `json:"total_groups"`
	Total       int         `json:"total_shipments"`
	// AsOf is when the rollup the summary was read from was refreshed; nil
	// when it was computed live.
	AsOf *time.Time `json:"as_of,omitempty"`
}

// GroupBy says what a summary groups by.
type GroupBy string

// What a summary may be grouped by.
const (
	ByRecipient GroupBy = "recipient"
	ByUnit      GroupBy = "unit"
)

// stageRank is the furthest stage of a group of shipments rows named s.
var stageRank = "max(" + sqlStageRank("s.stage") + ")"

// Summarise groups a list by receiving organisation or sending unit,
// largest group first, offset groups skipped and at most limit returned.
// It aggregates over the list's partial index without touching the
// shipment rows (index-only) and joins names only for the returned page.
func (s *Store) Summarise(ctx context.Context, f ListFilter, by GroupBy, offset, limit int) (*ListSummary, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var c sqlConds
	source, err := liveSource(&c, f, by)
	if err != nil {
		return nil, err
	}
	join, key := `JOIN recipients r ON r.id = t.gid`, `r.ident AS key, r.kind AS kind, r.name AS name`
	if by == ByUnit {
		join, key = `JOIN sender_units r ON r.id = t.gid JOIN sender_orgs o ON o.id = r.sender_org_id`,
			`r.name AS key, 'unit' AS kind, r.name AS name, o.orgnr AS sender_org`
	}
	asOf, err := s.rollupFresh(ctx, f, by)
	if err != nil {
		return nil, err
	}
	if asOf != nil && by == ByRecipient && f.SenderOrg == "" {
		return s.summariseRecipients(ctx, *asOf, f.RecipientKind, offset, limit)
	}
	if asOf != nil {
		c = sqlConds{}
		source = rollupSource(&c, f, by)
	}
	c.args = append(c.args, offset, limit)
	q := fmt.Sprintf(`WITH g AS (%s
	), t AS (
		SELECT gid, n, oldest, stage_rank, max_reminders, last_reminder,
			count(*) OVER () AS groups, sum(n) OVER ()::bigint AS total
		FROM g ORDER BY n DESC, oldest, gid OFFSET $%d LIMIT $%d
	)
	SELECT t.gid, %s, t.n, t.oldest, t.stage_rank, t.max_reminders, t.last_reminder, t.groups, t.total
	FROM t %s ORDER BY t.n DESC, t.oldest, t.gid`,
		source, len(c.args)-1, len(c.args), key, join)
	groups := []ListGroup{}
	if err := s.db.SelectContext(ctx, &groups, q, c.args...); err != nil {
		return nil, fmt.Errorf("summarise %s by %s: %w", f.List, by, err)
	}
	sum := &ListSummary{Groups: groups, AsOf: asOf}
	for i := range groups {
		g := &groups[i]
		g.Stage = model.StageOfRank(g.StageRank)
		sum.TotalGroups, sum.Total = g.Groups, g.Total
	}
	if len(groups) == 0 && offset > 0 {
		// Past the end: totals still say how much there is.
		var t struct {
			Groups int `db:"groups"`
			Total  int `db:"total"`
		}
		if err := s.db.GetContext(ctx, &t, fmt.Sprintf(`SELECT count(*) AS groups, COALESCE(sum(n), 0) AS total FROM
			(%s) x`, source), c.args[:len(c.args)-2]...); err != nil {
			return nil, fmt.Errorf("summarise %s by %s: totals: %w", f.List, by, err)
		}
		sum.TotalGroups, sum.Total = t.Groups, t.Total
	}
	return sum, nil
}

// liveSource is a summary's group source counted from the list's letters
// (over its partial index, without touching the shipment rows).
func liveSource(c *sqlConds, f ListFilter, by GroupBy) (string, error) {
	if err := f.where(c, false); err != nil {
		return "", err
	}
	col := "s.recipient_id"
	if by == ByUnit {
		col = "s.sender_unit_id"
	}
	return fmt.Sprintf(`SELECT %s AS gid, count(*) AS n, min(s.sent_at) AS oldest, %s AS stage_rank,
			max(s.reminders_sent) AS max_reminders, max(s.last_reminded_at) AS last_reminder
		FROM shipments s WHERE %s GROUP BY %s`, col, stageRank, c.String(), col), nil
}

// PrintBatch is a print batch of the print fallback (migrations/00004),
// as the approval page shows it.
type PrintBatch struct {
	ID        int64      `db:"id" json:"id"`
	Policy    string     `db:"policy" json:"policy"`
	State     string     `db:"state" json:"state"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	DecidedBy string     `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt *time.Time `db:"decided_at" json:"decided_at,omitempty"`
	Shipments int        `db:"shipments" json:"shipments"`
	InScope   int        `db:"in_scope" json:"-"` // how many of them the caller's scope covers
	// SenderOrg is the organisation whose prints the batch collects (empty
	// for a batch made before batches were per organisation).
	SenderOrg     string `db:"sender_org" json:"sender_org,omitempty"`
	SenderOrgName string `db:"sender_org_name" json:"sender_org_name,omitempty"`
	// Digest names the set of shipments in the batch; a decision from the
	// UI passes it back (PrintBatchSeen) so that a batch that changed since
	// it was shown is not decided.
	Digest string `db:"digest" json:"-"`
}

// PrintBatches lists held print batches and those decided in the 30 days
// before now (the caller's clock), held first. A scoped caller sees only
// batches with shipments of its own.
func (s *Store) PrintBatches(ctx context.Context, scope Scope, now time.Time) ([]PrintBatch, error) {
	var c sqlConds
	scopeIn := "true"
	if scope.SenderOrg != "" || scope.SenderUnit != "" {
		addScope(&c, scope)
		scopeIn = c.String()
	}
	q := fmt.Sprintf(`SELECT b.id, b.policy, b.state, b.created_at, b.decided_by, b.decided_at,
		COALESCE(bo.orgnr, '') AS sender_org, COALESCE(bo.name, '') AS sender_org_name,
		count(po.shipment_id) AS shipments,
		count(po.shipment_id) FILTER (WHERE %s) AS in_scope,
		%s AS digest
		FROM print_batches b
		LEFT JOIN print_orders po ON po.batch_id = b.id
		LEFT JOIN shipments s ON s.id = po.shipment_id
		LEFT JOIN sender_units u ON u.id = s.sender_unit_id
		LEFT JOIN sender_orgs o ON o.id = u.sender_org_id
		LEFT JOIN sender_orgs bo ON bo.id = b.sender_org_id
		WHERE b.state = 'held' OR b.decided_at > $%d
		GROUP BY b.id, bo.id
		HAVING %t OR count(po.shipment_id) FILTER (WHERE %s) > 0
		ORDER BY b.state = 'held' DESC, b.created_at DESC, b.id DESC LIMIT 200`, scopeIn, batchDigestSQL, len(c.args)+1, scopeIn == "true", scopeIn)
	// Decided in the last 30 days as of the caller's clock, not the
	// database's: a page rendered "as of" now lists what it just decided.
	args := append(append([]any(nil), c.args...), now.AddDate(0, 0, -30))
	out := []PrintBatch{}
	if err := s.db.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("list print batches: %w", err)
	}
	return out, nil
}

// ManualItem is a shipment in the manual-handling queue of the print
// fallback (print_manual).
type ManualItem struct {
	ShipmentID    string        `db:"shipment_id"`
	Channel       string        `db:"channel"`
	ChannelID     string        `db:"channel_id"`
	SenderUnit    string        `db:"sender_unit"`
	RecipientKind string        `db:"recipient_kind"`
	RecipientID   string        `db:"recipient_ident"`
	RecipientName string        `db:"recipient_name"`
	SentAt        time.Time     `db:"sent_at"`
	Reason        string        `db:"reason"`
	Detail        string        `db:"detail"` // in English; as recorded for a case of before print_manual.why
	Why           []i18n.Phrase `db:"-"`      // the detail for people in their language (printing.Detail); nil before
	WhyRaw        []byte        `db:"why"`
	Since         time.Time     `db:"created_at"`
	// Purged: the retention purge took the letter; its case is resolved
	// without a note (ResolveManual).
	Purged bool `db:"purged"`
}

// ManualQueue lists unresolved manual-handling items in scope, oldest
// first.
func (s *Store) ManualQueue(ctx context.Context, scope Scope, limit int) ([]ManualItem, error) {
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	var c sqlConds
	c.add("m.resolved_at IS NULL")
	addScope(&c, scope)
	c.args = append(c.args, limit)
	q := fmt.Sprintf(`SELECT m.shipment_id, s.channel, s.channel_id, u.name AS sender_unit, r.kind AS recipient_kind,
		r.ident AS recipient_ident, r.name AS recipient_name, s.sent_at, m.reason, m.detail, m.why, m.created_at,
		s.purged_at IS NOT NULL AS purged
		FROM print_manual m
		JOIN shipments s ON s.id = m.shipment_id
		JOIN sender_units u ON u.id = s.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		JOIN recipients r ON r.id = s.recipient_id
		WHERE %s ORDER BY m.created_at, m.shipment_id LIMIT $%d`, c.String(), len(c.args))
	out := []ManualItem{}
	if err := s.db.SelectContext(ctx, &out, q, c.args...); err != nil {
		return nil, fmt.Errorf("list manual handling queue: %w", err)
	}
	for i := range out {
		var err error
		if out[i].Why, err = manualPhrases(out[i].WhyRaw); err != nil {
			return nil, fmt.Errorf("list manual handling queue: read the detail of %s: %w", out[i].ShipmentID, err)
		}
	}
	return out, nil
}
