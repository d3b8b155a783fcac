package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Shipment is a registered shipment as stored, with the names of its sender
// and recipient joined in.
type Shipment struct {
	ID             string      `db:"id" json:"id"`
	Channel        string      `db:"channel" json:"channel"`
	ChannelID      string      `db:"channel_id" json:"channel_id"`
	SenderOrg      string      `db:"sender_org" json:"sender_org"`
	SenderUnit     string      `db:"sender_unit" json:"sender_unit"`
	SenderSystem   string      `db:"sender_system" json:"sender_system"`               // "" for letters registered before postvakt kept it
	SenderOrgName  string      `db:"sender_org_name" json:"sender_org_name,omitempty"` // from the business register
	RecipientName  string      `db:"recipient_name" json:"recipient_name,omitempty"`   // an organisation's, from the register
	RecipientKind  string      `db:"recipient_kind" json:"-"`
	RecipientID    string      `db:"recipient_ident" json:"-"`
	Recipient      Recipient   `db:"-" json:"recipient"`
	Title          string      `db:"title" json:"title"`
	Confidential   bool        `db:"confidential" json:"confidential"`
	Class          string      `db:"class" json:"class"`
	SentAt         time.Time   `db:"sent_at" json:"sent_at"`
	State          model.State `db:"state" json:"state"`
	StateChangedAt time.Time   `db:"state_changed_at" json:"state_changed_at"`
	AvailableAt    *time.Time  `db:"available_at" json:"available_at,omitempty"`
	ChannelStatus  string      `db:"channel_status" json:"channel_status"`
	Stage          model.Stage `db:"stage" json:"stage"`
	RemindersSent  int         `db:"reminders_sent" json:"reminders_sent"`
	NextPollAt     *time.Time  `db:"next_poll_at" json:"next_poll_at,omitempty"`
	// UnknownToChannelSince is set while the channel has never heard of
	// the shipment (see EventUnknown).
	UnknownToChannelSince *time.Time `db:"unknown_to_channel_since" json:"unknown_to_channel_since,omitempty"`
	CreatedAt             time.Time  `db:"created_at" json:"created_at"`
	// PurgedAt is when the retention purge deleted the letter's personal
	// data and its event log (nil: kept); what remains is its facts.
	PurgedAt *time.Time `db:"purged_at" json:"purged_at,omitempty"`
	Events   []Event    `db:"-" json:"events,omitempty"`
}

// Recipient is who a shipment is for.
type Recipient struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

const shipmentColumns = `s.id, s.channel, s.channel_id, o.orgnr AS sender_org, u.name AS sender_unit,
	o.name AS sender_org_name, r.name AS recipient_name, r.kind AS recipient_kind, r.ident AS recipient_ident, s.title, s.confidential, s.class, s.sent_at,
	s.state, s.state_changed_at, s.available_at, s.channel_status, s.stage, s.reminders_sent,
	(SELECT q.next_poll_at FROM poll_queue q WHERE q.shipment_id = s.id) AS next_poll_at,
	s.unknown_to_channel_since, s.created_at, s.sender_system, s.purged_at`

const shipmentFrom = ` FROM shipments s
	JOIN sender_units u ON u.id = s.sender_unit_id
	JOIN sender_orgs o ON o.id = u.sender_org_id
	JOIN recipients r ON r.id = s.recipient_id`

func (s *Shipment) fill() { s.Recipient = Recipient{Kind: s.RecipientKind, ID: s.RecipientID} }

// Scope limits what a caller may see: a sender organisation and, within it,
// one sending unit. Empty fields mean no limit.
type Scope struct {
	SenderOrg  string
	SenderUnit string
}

func (sc Scope) where(args *[]any) string {
	var parts []string
	if sc.SenderOrg != "" {
		*args = append(*args, sc.SenderOrg)
		parts = append(parts, fmt.Sprintf("o.orgnr = $%d", len(*args)))
	}
	if sc.SenderUnit != "" {
		*args = append(*args, sc.SenderUnit)
		parts = append(parts, fmt.Sprintf("u.name = $%d", len(*args)))
	}
	return strings.Join(parts, " AND ")
}

// Shipment returns one shipment with its whole event log, if it lies in
// scope.
func (s *Store) Shipment(ctx context.Context, id string, scope Scope) (*Shipment, error) {
	sh, err := s.ShipmentFacts(ctx, id, scope)
	if err != nil {
		return nil, err
	}
	if sh.Events, err = s.Events(ctx, id); err != nil {
		return nil, err
	}
	return sh, nil
}

// ShipmentFacts returns one shipment without its event log (Events nil),
// if it lies in scope: a log may hold thousands of events.
func (s *Store) ShipmentFacts(ctx context.Context, id string, scope Scope) (*Shipment, error) {
	if !looksLikeUUID(id) {
		return nil, ErrNotFound
	}
	args := []any{id}
	q := `SELECT ` + shipmentColumns + shipmentFrom + ` WHERE s.id = $1`
	if w := scope.where(&args); w != "" {
		q += " AND " + w
	}
	var sh Shipment
	if err := s.db.GetContext(ctx, &sh, q, args...); err != nil {
		return nil, fmt.Errorf("get shipment %s: %w", id, notFound(err))
	}
	sh.fill()
	return &sh, nil
}

// Page is one page of a keyset-paged list.
type Page struct {
	Shipments  []Shipment `json:"shipments"`
	NextCursor string     `json:"next_cursor"`
}

// Shipments lists the shipments of a list (GET /api/v1/shipments) newest
// first (by sent time), one page at a time: the lists' filter (ListFilter,
// its conditions those of ListShipments), List ListAll or "" for every
// letter in scope. Cursor is the opaque value of a previous page's
// NextCursor.
func (s *Store) Shipments(ctx context.Context, f ListFilter) (*Page, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	if f.List == "" {
		f.List = ListAll
	}
	var c sqlConds
	narrow := f
	if f.SenderOrg != "" || f.SenderUnit != "" {
		// The scope's units by id: the planner then sees how many letters
		// they have, and reads a small organisation's through
		// shipments_by_unit instead of walking everyone's by sent_at. They
		// take the place of the scope's condition in where, not added to
		// it.
		units, err := s.scopeUnits(ctx, f.Scope)
		if err != nil {
			return nil, err
		}
		c.add("s.sender_unit_id = ANY(?::bigint[])", pq.Array(units))
		narrow.Scope = Scope{}
	}
	if err := narrow.where(&c, false); err != nil {
		return nil, err
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		c.add("(s.sent_at, s.id) < (?, ?)", at, id)
	}
	c.args = append(c.args, f.Limit+1)
	q := fmt.Sprintf(`SELECT %s %s WHERE %s ORDER BY s.sent_at DESC, s.id DESC LIMIT $%d`, shipmentColumns, shipmentFrom, c.String(), len(c.args))
	var rows []Shipment
	if err := s.db.SelectContext(ctx, &rows, q, c.args...); err != nil {
		return nil, fmt.Errorf("list %s shipments: %w", f.List, err)
	}
	page := &Page{Shipments: rows}
	if len(rows) > f.Limit {
		page.Shipments = rows[:f.Limit]
		last := page.Shipments[f.Limit-1]
		page.NextCursor = encodeCursor(last.SentAt, last.ID)
	}
	for i := range page.Shipments {
		page.Shipments[i].fill()
	}
	if page.Shipments == nil {
		page.Shipments = []Shipment{}
	}
	return page, nil
}

// scopeUnits returns the ids of the sending units in scope.
func (s *Store) scopeUnits(ctx context.Context, sc Scope) ([]int64, error) {
	var args []any
	q := `SELECT u.id FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id`
	if w := sc.where(&args); w != "" {
		q += " WHERE " + w
	}
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, q, args...); err != nil {
		return nil, fmt.Errorf("read the sending units in scope: %w", err)
	}
	return ids, nil
}

// ErrBadCursor is returned for a cursor that this server did not make.
var ErrBadCursor = fmt.Errorf("invalid cursor")

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok || !looksLikeUUID(id) {
		return time.Time{}, "", ErrBadCursor
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	// In UTC: Go reads offsets up to ±23:59, PostgreSQL takes ±15:59.
	return t.UTC(), id, nil
}

func looksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// shipmentsByStage reads back the staged registrations as stored shipments,
// in the order they were staged.
func shipmentsByStage(ctx context.Context, tx *sqlx.Tx) ([]Shipment, error) {
	var rows []struct {
		Ord int `db:"ord"`
		Shipment
	}
	q := `SELECT g.ord, ` + shipmentColumns + shipmentFrom + `
		JOIN reg_stage g ON g.channel = s.channel AND g.channel_id = s.channel_id
		ORDER BY g.ord`
	if err := tx.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("read registered shipments: %w", err)
	}
	out := make([]Shipment, len(rows))
	for i := range rows {
		out[i] = rows[i].Shipment
		out[i].fill()
	}
	return out, nil
}
