package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// AuditEntry is one line of the audit log: who did or saw what, when.
// Object names the shipment, list or export; it never holds a person id
// unmasked or a letter's title. Whatever national id a caller put in the
// actor, the object or the detail (a filter's value, a name typed at the
// login) is written masked (writeAudit).
type AuditEntry struct {
	ID        int64       `db:"id" json:"-"`
	At        time.Time   `db:"at" json:"at"`
	Actor     string      `db:"actor" json:"actor"`
	Role      string      `db:"role" json:"-"`
	SenderOrg string      `db:"sender_org" json:"-"`
	Action    AuditAction `db:"action" json:"action"`
	Object    string      `db:"object" json:"object"`
	Detail    string      `db:"detail" json:"detail,omitempty"`
	// SubjectOrg is the sending organisation whose data was seen or
	// changed: one organisation's number, "*" for data of every
	// organisation (an unscoped list), or empty when no letter data is
	// involved. A compliance officer sees the entries of their own
	// organisation's actors and, besides, those about their organisation.
	SubjectOrg string `db:"subject_org" json:"subject_org,omitempty"`
}

// SubjectAll is AuditEntry.SubjectOrg for data of every organisation.
const SubjectAll = "*"

// SubjectNone is AuditEntry.SubjectOrg of an entry that concerns no
// sender organisation in particular (a user who sees no letters).
const SubjectNone = "-"

// Audit appends an entry to the audit log. A zero At means the database's
// clock.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return writeAudit(ctx, s.db, e)
}

func writeAudit(ctx context.Context, db sqlx.ExecerContext, e AuditEntry) error {
	e.Actor, e.Object, e.Detail = maskIDs(e.Actor), maskIDs(e.Object), maskIDs(e.Detail)
	var at any
	if !e.At.IsZero() {
		at = e.At
	}
	_, err := db.ExecContext(ctx, `INSERT INTO audit_log (at, actor, role, sender_org, action, object, detail, subject_org)
		VALUES (COALESCE($1, now()), $2, $3, $4, $5, $6, $7, $8)`,
		at, e.Actor, e.Role, e.SenderOrg, e.Action, e.Object, e.Detail, e.SubjectOrg)
	if err != nil {
		return fmt.Errorf("write audit entry %s %s: %w", e.Action, e.Object, err)
	}
	return nil
}

// maskIDs masks the national ids in an audit entry's text: a filter on a
// unit, a channel or a state holds what the caller typed, and a login name
// is whatever was typed in its field (a national id, out of habit).
func maskIDs(s string) string { return string(model.MaskNationalIDsIn([]byte(s))) }

// AuditEntries returns the newest entries first, at most limit of them
// (the first page of AuditLog).
func (s *Store) AuditEntries(ctx context.Context, senderOrg string, limit int) ([]AuditEntry, error) {
	page, err := s.AuditLog(ctx, AuditFilter{SenderOrg: senderOrg, Limit: limit})
	if err != nil {
		return nil, err
	}
	return page.Entries, nil
}

// AuditFilter selects a page of the audit log.
type AuditFilter struct {
	// SenderOrg limits the entries to one sender organisation (all when
	// empty): the entries of its actors, and those of other actors about
	// its data (its number or SubjectAll as SubjectOrg), such as an
	// unscoped admin's views.
	SenderOrg string
	// Actor keeps the entries of one actor ("user:kari", "token:sak"),
	// exactly; a national id in it is masked first, as writeAudit masks
	// it, so it finds the entries written with that id.
	Actor string
	// Action keeps the entries of one action ("view_shipment"), exactly.
	Action string
	// Objects, when not nil, keeps the entries whose object is one of
	// them (AuditLetterObjects, AuditPersonObjects); an empty, non-nil
	// list keeps none.
	Objects []string
	// From and To keep the entries written at or after From and before
	// To; a zero time leaves that end open.
	From, To time.Time
	// Before is a previous page's NextCursor: the page starts with the
	// entry written just before that page's last. Empty: with the newest.
	Before string
	Limit  int // 1 to MaxAuditPage; out of range: 100
}

// MaxAuditPage is the most entries one page of the audit log holds.
const MaxAuditPage = 10000

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextCursor string       `json:"next_cursor"` // empty on the last page
}

// AuditLog returns a page of the audit log, newest first, paged by the
// entries' ids (the order they were written in; an entry written while
// one pages is newer than every page after the first, so the pages
// neither repeat nor skip one). A cursor this store did not make is
// ErrBadCursor.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) (*AuditPage, error) {
	if f.Limit <= 0 || f.Limit > MaxAuditPage {
		f.Limit = 100
	}
	q, args, err := auditLogQuery(f)
	if err != nil {
		return nil, err
	}
	entries := []AuditEntry{}
	if err := s.db.SelectContext(ctx, &entries, q, args...); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	for i := range entries {
		// Entries written before writeAudit masked them are shown so too.
		e := &entries[i]
		e.Actor, e.Object, e.Detail = maskIDs(e.Actor), maskIDs(e.Object), maskIDs(e.Detail)
	}
	page := &AuditPage{Entries: entries}
	if len(entries) > f.Limit {
		page.Entries = entries[:f.Limit]
		page.NextCursor = strconv.FormatInt(page.Entries[f.Limit-1].ID, 10)
	}
	return page, nil
}

// auditKeyLen is how many characters of an entry's actor, action and
// object the indexes of migration 00037 hold.
const auditKeyLen = 200

// auditKey is s as those indexes hold it: its first auditKeyLen characters.
func auditKey(s string) string {
	if r := []rune(s); len(r) > auditKeyLen {
		return string(r[:auditKeyLen])
	}
	return s
}

// auditLogQuery is AuditLog's query for f (its Limit in range) and its
// arguments.
func auditLogQuery(f AuditFilter) (string, []any, error) {
	var conds []string
	args := []any{f.Limit + 1}
	if f.SenderOrg != "" {
		args = append(args, f.SenderOrg)
		conds = append(conds, fmt.Sprintf(`(sender_org = $%d OR subject_org IN ($%[1]d, '*'))`, len(args)))
	}
	// Each exact match is also one on the indexed key (migration 00037).
	if f.Actor != "" {
		actor := maskIDs(f.Actor)
		args = append(args, actor, auditKey(actor))
		conds = append(conds, fmt.Sprintf(`actor = $%d AND left(actor, %d) = $%d`, len(args)-1, auditKeyLen, len(args)))
	}
	if f.Action != "" {
		args = append(args, f.Action, auditKey(f.Action))
		conds = append(conds, fmt.Sprintf(`action = $%d AND left(action, %d) = $%d`, len(args)-1, auditKeyLen, len(args)))
	}
	if f.Objects != nil {
		objects, keys := make([]string, len(f.Objects)), make([]string, len(f.Objects))
		for i, o := range f.Objects {
			objects[i] = maskIDs(o)
			keys[i] = auditKey(objects[i])
		}
		args = append(args, pq.Array(objects), pq.Array(keys))
		conds = append(conds, fmt.Sprintf(`object = ANY($%d) AND left(object, %d) = ANY($%d)`, len(args)-1, auditKeyLen, len(args)))
	}
	if !f.From.IsZero() {
		args = append(args, f.From)
		conds = append(conds, fmt.Sprintf(`at >= $%d`, len(args)))
	}
	if !f.To.IsZero() {
		args = append(args, f.To)
		conds = append(conds, fmt.Sprintf(`at < $%d`, len(args)))
	}
	if f.Before != "" {
		before, err := decodeAuditCursor(f.Before)
		if err != nil {
			return "", nil, err
		}
		args = append(args, before)
		conds = append(conds, fmt.Sprintf(`id < $%d`, len(args)))
	}
	q := `SELECT id, at, actor, role, sender_org, action, object, detail, subject_org FROM audit_log`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	return q + ` ORDER BY id DESC LIMIT $1`, args, nil
}

// decodeAuditCursor reads an audit page's cursor: the id of the entry the
// previous page ended with, a positive decimal number.
func decodeAuditCursor(c string) (int64, error) {
	id, err := strconv.ParseInt(c, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != c {
		return 0, ErrBadCursor
	}
	return id, nil
}

// Purged says what a retention purge removed.
type Purged struct {
	Events int64
	Audit  int64
}

// PurgeBefore deletes audit entries, and the evidence events of letters
// already purged (PurgeShipments), recorded before cutoff (the retention
// period, 5 years by default, is the caller's), in one transaction that
// tells the append-only triggers it is the retention purge, and records the
// purge itself in the audit log. A letter still kept keeps its whole trail,
// however old: its retention counts from its last change.
func (s *Store) PurgeBefore(ctx context.Context, cutoff time.Time, actor string) (Purged, error) {
	var p Purged
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL postvakt.retention_purge = 'on'`); err != nil {
			return fmt.Errorf("retention purge: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM shipment_events e WHERE e.recorded_at < $1
			AND EXISTS (SELECT 1 FROM shipments s WHERE s.id = e.shipment_id AND s.purged_at IS NOT NULL)`, cutoff)
		if err != nil {
			return fmt.Errorf("retention purge of events: %w", err)
		}
		p.Events, _ = res.RowsAffected()
		res, err = tx.ExecContext(ctx, `DELETE FROM audit_log WHERE at < $1`, cutoff)
		if err != nil {
			return fmt.Errorf("retention purge of audit entries: %w", err)
		}
		p.Audit, _ = res.RowsAffected()
		return writeAudit(ctx, tx, AuditEntry{Actor: actor, Action: ActRetentionPurge,
			Object: "before " + cutoff.UTC().Format(time.RFC3339),
			Detail: fmt.Sprintf("%d events, %d audit entries", p.Events, p.Audit)})
	})
	return p, err
}
