package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// What a compliance officer settles from the UI: manual-handling items,
// reminders whose outcome is unknown, organisations without a reminder
// address.

// How a manual-handling item was resolved (print_manual.resolution).
const (
	ManualPrintedByHand = "printed_by_hand" // printed and posted by hand: stage printed
	// ManualPhysicalPost: sent again through Digital Post as its physical
	// post (fjernprint): stage printed. A Digital Post letter's only
	// (ManualResolutionsFor), migration 00048.
	ManualPhysicalPost       = "physical_post"
	ManualDeliveredOtherwise = "delivered_otherwise" // delivered another way: stage closed
	ManualNotNeeded          = "not_needed"          // nothing to deliver: stage closed
)

// ManualResolutions lists them in the order the UI offers them.
var ManualResolutions = []string{ManualPrintedByHand, ManualPhysicalPost, ManualDeliveredOtherwise, ManualNotNeeded}

// ManualResolutionsFor lists the resolutions a letter of channel may
// take, in ManualResolutions' order: Digital Post's physical post only
// for a Digital Post letter (a SvarUt or Altinn letter cannot be sent
// so).
func ManualResolutionsFor(channel string) []string {
	if channel == model.ChannelDigitalPost {
		return ManualResolutions
	}
	return slices.DeleteFunc(slices.Clone(ManualResolutions), func(r string) bool { return r == ManualPhysicalPost })
}

// ErrResolutionNotForChannel is returned (wrapped) for a resolution the
// letter's channel cannot take (ManualResolutionsFor).
var ErrResolutionNotForChannel = errors.New("not a resolution for the letter's channel")

// EventManualResolved is the evidence-log kind of a resolved manual item.
const EventManualResolved = "manual_resolved"

// ErrAlreadyResolved is returned (wrapped) for a manual item resolved before.
var ErrAlreadyResolved = errors.New("already resolved")

// ResolveManual resolves a manual-handling item of a shipment in scope: the
// item is closed with the resolution and note, the shipment's stage becomes
// printed (printed by hand, or sent as Digital Post's physical post) or
// closed, and the evidence log says who did it and why. ErrNotFound when
// the shipment has no manual item in scope; ErrResolutionNotForChannel
// for a resolution its channel cannot take. A letter the retention purge
// took is resolved without a note, as its case asks (ReasonPurged: not
// needed): a note is refused, ErrPurged, nothing recorded, since no purge
// comes for the letter again to delete it.
func (s *Store) ResolveManual(ctx context.Context, shipmentID string, scope Scope, resolution, note, actor string, now time.Time) error {
	note = maskNote(note)
	stage := map[string]model.Stage{ManualPrintedByHand: model.StagePrinted, ManualPhysicalPost: model.StagePrinted,
		ManualDeliveredOtherwise: model.StageClosed, ManualNotNeeded: model.StageClosed}[resolution]
	if stage == "" {
		return fmt.Errorf("resolve manual handling of %s: unknown resolution %q", shipmentID, resolution)
	}
	if !looksLikeUUID(shipmentID) {
		return fmt.Errorf("resolve manual handling of %s: %w", shipmentID, ErrNotFound)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var c sqlConds
		c.add("m.shipment_id = ?", shipmentID)
		addScope(&c, scope)
		var item struct {
			Resolved *time.Time `db:"resolved_at"`
			Channel  string     `db:"channel"`
			Purged   bool       `db:"purged"`
		}
		err := tx.GetContext(ctx, &item, `SELECT m.resolved_at, s.channel, s.purged_at IS NOT NULL AS purged FROM shipments s
			JOIN print_manual m ON s.id = m.shipment_id JOIN sender_units u ON u.id = s.sender_unit_id
			JOIN sender_orgs o ON o.id = u.sender_org_id WHERE `+c.String()+` FOR UPDATE OF s, m`, c.args...)
		if err != nil {
			return fmt.Errorf("resolve manual handling of %s: %w", shipmentID, notFound(err))
		}
		if item.Resolved != nil {
			return fmt.Errorf("resolve manual handling of %s: %w", shipmentID, ErrAlreadyResolved)
		}
		if !slices.Contains(ManualResolutionsFor(item.Channel), resolution) {
			return fmt.Errorf("resolve manual handling of %s (%s) as %s: %w", shipmentID, item.Channel, resolution, ErrResolutionNotForChannel)
		}
		if item.Purged && note != "" {
			return fmt.Errorf("resolve manual handling of %s with a note: %w", shipmentID, ErrPurged)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE print_manual SET resolved_at = $2, resolved_by = $3, resolution = $4, note = $5
			WHERE shipment_id = $1`, shipmentID, now, actor, resolution, note); err != nil {
			return fmt.Errorf("resolve manual handling of %s: %w", shipmentID, err)
		}
		if err := model.CheckStage(model.StageManual, stage); err != nil {
			return fmt.Errorf("resolve manual handling of %s: %w", shipmentID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shipments SET stage = $2 WHERE id = $1 AND stage = `+sqlStage(model.StageManual),
			shipmentID, stage); err != nil {
			return fmt.Errorf("resolve manual handling of %s: %w", shipmentID, err)
		}
		msg := "manual handling resolved: " + resolution
		if note != "" {
			msg += ": " + note
		}
		return appendEvent(ctx, tx, Event{ShipmentID: shipmentID, Kind: EventManualResolved, Source: SourceUser, Actor: actor,
			ObservedAt: now, RawStatus: resolution, Message: msg})
	})
}

// SettleNotification is a reminder that needs a compliance officer: its
// outcome is unknown, it failed, or its organisation has no address.
type SettleNotification struct {
	ID        int64              `db:"id"`
	Status    model.NotifyStatus `db:"status"`
	Org       string             `db:"orgnr"`
	OrgName   string             `db:"org_name"`
	ClaimedAt time.Time          `db:"claimed_at"`
	LastError string             `db:"last_error"`
	Attempts  int                `db:"attempts"`
	Shipments int                `db:"shipments"` // active items
	InScope   int                `db:"in_scope"`  // of them in the caller's scope
	// SenderOrgs are the sending organisations whose letters it lists
	// (whose the reminder is, in the audit log), by number.
	SenderOrgs pq.StringArray `db:"sender_orgs"`
}

// SettleFilter narrows NotificationsToSettle to one reminder (ID) or the
// reminders to one organisation (Org); the zero value lists them all.
type SettleFilter struct {
	ID  int64
	Org string
}

// NotificationsToSettle lists the reminders with status unknown, failed or
// no_address that list a shipment in scope (a failed or no_address one, a
// shipment it may still remind of, as the counts of noAddressItems: a
// later run sends it only then), unknown first, then oldest
// first, up to limit (at most 1000), narrowed by only: the action on one
// reminder or organisation finds it however far down the whole list it
// stands.
func (s *Store) NotificationsToSettle(ctx context.Context, scope Scope, only SettleFilter, limit int) ([]SettleNotification, error) {
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	var c sqlConds
	addScope(&c, scope)
	in := c.String()
	var where string
	if only.ID != 0 {
		c.args = append(c.args, only.ID)
		where += fmt.Sprintf(" AND n.id = $%d", len(c.args))
	}
	if only.Org != "" {
		c.args = append(c.args, only.Org)
		where += fmt.Sprintf(" AND n.orgnr = $%d", len(c.args))
	}
	c.args = append(c.args, limit)
	q := fmt.Sprintf(`SELECT n.id, n.status, n.orgnr, COALESCE(r.name, '') AS org_name, n.claimed_at, n.last_error, n.attempts,
			count(i.shipment_id) AS shipments, count(i.shipment_id) FILTER (WHERE %s) AS in_scope,
			array_agg(DISTINCT o.orgnr ORDER BY o.orgnr) AS sender_orgs
		FROM notifications n
		JOIN notification_items i ON i.notification_id = n.id AND i.active
		JOIN shipments s ON s.id = i.shipment_id
		JOIN sender_units u ON u.id = s.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		LEFT JOIN recipients r ON r.kind = 'org' AND r.ident = n.orgnr
		WHERE n.status IN ('unknown', 'failed', 'no_address')%s
			-- one waiting for an address or a retry, of its letters those
			-- it may still remind of (noAddressItems): one whose letters
			-- were all opened, handed to print or closed since is sent
			-- by no run
			AND (n.status NOT IN ('`+string(NotifyNoAddress)+`', '`+string(NotifyFailed)+`') OR `+sqlRemindable+`)
		GROUP BY n.id, r.name
		HAVING count(i.shipment_id) FILTER (WHERE %s) > 0
		ORDER BY n.status = 'unknown' DESC, n.id LIMIT $%d`, in, where, in, len(c.args))
	out := []SettleNotification{}
	if err := s.db.SelectContext(ctx, &out, q, c.args...); err != nil {
		return nil, fmt.Errorf("list reminders to settle: %w", err)
	}
	return out, nil
}

// ContactSourceUI marks reminder addresses added in the UI; like imported
// ones they win over looked-up addresses.
const ContactSourceUI = "ui"

// AddContact adds a reminder address to an organisation (source
// ContactSourceUI); adding one it has is not an error. The next escalation
// run sends the reminders that waited for an address.
func (s *Store) AddContact(ctx context.Context, org, email string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO org_contacts (orgnr, email, source) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, org, email, ContactSourceUI); err != nil {
		return fmt.Errorf("add reminder address of %s: %w", org, err)
	}
	return nil
}

// BatchLetter is a shipment in a print batch as the officer sees it before
// releasing: who gets it, from whom, since when, and where it would go.
type BatchLetter struct {
	ShipmentID    string      `db:"shipment_id"`
	Channel       string      `db:"channel"`
	ChannelID     string      `db:"channel_id"`
	RecipientKind string      `db:"recipient_kind"`
	RecipientID   string      `db:"recipient_ident"`
	RecipientName string      `db:"recipient_name"`
	SenderOrg     string      `db:"sender_org"`
	SenderUnit    string      `db:"sender_unit"`
	SentAt        time.Time   `db:"sent_at"`
	AvailableAt   *time.Time  `db:"available_at"`
	State         string      `db:"state"`
	Stage         model.Stage `db:"stage"`
	Purged        bool        `db:"purged"`
	PrintState    string      `db:"print_state"`
	// The order's recipient name and address lines (street lines, then
	// postal code and place, then country code), as the print would carry
	// them.
	PrintName    string         `db:"print_name"`
	AddressLines pq.StringArray `db:"address_lines"`
	PostalCode   string         `db:"postal_code"`
	City         string         `db:"city"`
	CountryCode  string         `db:"country_code"`
}

// WillPrint reports whether releasing the batch now would print the
// letter: the release's rule (Releasable). One that will not is skipped
// at the release (opened since it was held, say).
func (l BatchLetter) WillPrint() bool {
	return Releasable(l.PrintState, model.State(l.State), l.Stage, l.Purged)
}

// PrintBatchLetters lists the shipments of a print batch that lie in scope,
// oldest first.
func (s *Store) PrintBatchLetters(ctx context.Context, id int64, scope Scope) ([]BatchLetter, error) {
	var c sqlConds
	c.add("po.batch_id = ?", id)
	addScope(&c, scope)
	out := []BatchLetter{}
	if err := s.db.SelectContext(ctx, &out, `SELECT s.id AS shipment_id, s.channel, s.channel_id, r.kind AS recipient_kind,
			r.ident AS recipient_ident, r.name AS recipient_name, o.orgnr AS sender_org, u.name AS sender_unit,
			s.sent_at, s.available_at, s.state, s.stage, s.purged_at IS NOT NULL AS purged, po.state AS print_state,
			COALESCE(po.request->>'recipientName', '') AS print_name,
			ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(po.request->'address'->'lines') = 'array'
				THEN po.request->'address'->'lines' ELSE '[]'::jsonb END)) AS address_lines,
			COALESCE(po.request->'address'->>'postalCode', '') AS postal_code,
			COALESCE(po.request->'address'->>'city', '') AS city,
			COALESCE(po.request->'address'->>'countryCode', '') AS country_code
		FROM print_orders po
		JOIN shipments s ON s.id = po.shipment_id
		JOIN recipients r ON r.id = s.recipient_id
		JOIN sender_units u ON u.id = s.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE `+c.String()+` ORDER BY s.sent_at, s.id`, c.args...); err != nil {
		return nil, fmt.Errorf("list letters of print batch %d: %w", id, err)
	}
	return out, nil
}

// ManualDetail is why a letter was put into manual handling: the English
// sentence the evidence keeps (its print_manual event's message) and its
// phrases, said in a reader's language by printing.Detail (nil for a case
// recorded before they were kept).
type ManualDetail struct {
	Detail string
	Why    []i18n.Phrase
}

// ManualDetailOf is the detail of the letter's manual-handling case (a
// letter has at most one), nil when it has none.
func (s *Store) ManualDetailOf(ctx context.Context, shipmentID string) (*ManualDetail, error) {
	var row struct {
		Detail string `db:"detail"`
		Why    []byte `db:"why"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT detail, why FROM print_manual WHERE shipment_id = $1`, shipmentID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the manual-handling detail of %s: %w", shipmentID, err)
	}
	why, err := manualPhrases(row.Why)
	if err != nil {
		return nil, fmt.Errorf("read the manual-handling detail of %s: %w", shipmentID, err)
	}
	return &ManualDetail{Detail: row.Detail, Why: why}, nil
}

// manualPhrases reads a manual-handling case's phrases (print_manual.why,
// i18n.Phrase's JSON); nil for a case recorded before they were kept.
func manualPhrases(raw []byte) ([]i18n.Phrase, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var why []i18n.Phrase
	if err := json.Unmarshal(raw, &why); err != nil {
		return nil, err
	}
	return why, nil
}
