package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Kinds of notification in the notification log (notifications.kind): the
// reminders to receiving organisations, and the notices to people inside
// the sending organisation.
const (
	KindReminder         = "reminder"          // a reminder to a receiving organisation
	KindFollowUpDue      = "followup_due"      // a sending unit's follow-ups are due: decide by the deadline
	KindFollowUpOverdue  = "followup_overdue"  // the deadline passed without a decision
	KindComplianceDigest = "compliance_digest" // the daily digest of overdue follow-ups
	KindEscalation       = "escalation"        // escalation.to: held print batch, manual handling, failed or rejected
)

// NotificationKinds lists the kinds (the CHECK of migration 00015).
var NotificationKinds = []string{KindReminder, KindFollowUpDue, KindFollowUpOverdue, KindComplianceDigest, KindEscalation}

// NoticeRef is one thing a notice tells about, e.g.
// "followup:<shipment>:due" or "held:<batch>": a (group, ref) pair goes out
// in one notification only, as a reminder's (shipment, reminder) does.
// ShipmentID, when set, gets an evidence event once the notice is sent.
type NoticeRef struct {
	Ref        string
	ShipmentID string
}

// NoticeClaim asks to send one notice: of a kind, to a group (a unit, an
// address, a sending organisation's compliance officers) that is the unit
// of exactly-once, listing refs, to recipients, as of now.
type NoticeClaim struct {
	Kind       string
	Group      string
	Refs       []NoticeRef
	Recipients []string
	Now        time.Time
}

// NoticeResult is the outcome of a notice claim: the notification (nil
// when every ref was told already), the refs it lists, those left out, and
// whether the caller must send it now (as ClaimResult.Send).
type NoticeResult struct {
	Notification *Notification
	Refs         []NoticeRef
	Dropped      []NoticeRef
	Send         bool
}

// NoticeKey is the deterministic key of a notice: the kind, the group and
// the sorted refs.
func NoticeKey(kind, group string, refs []NoticeRef) string {
	sorted := make([]string, len(refs))
	for i, r := range refs {
		sorted[i] = r.Ref
	}
	sort.Strings(sorted)
	h := sha256.New()
	h.Write([]byte("postvakt notice v1\n" + kind + "\n" + group + "\n"))
	for _, r := range sorted {
		h.Write([]byte(r + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ClaimNotice is the dedupe stage of a notice, on the same log and with the
// same rules as ClaimNotification: in one transaction it locks the
// notifications that already list the refs for the group, leaves out the
// refs in one that was (or may have been) sent, takes over those of a
// failed or no_address one (which is superseded), and records the rest as
// pending (or no_address without recipients) before anything is sent.
func (s *Store) ClaimNotice(ctx context.Context, c NoticeClaim) (NoticeResult, error) {
	return runClaim(ctx, s, false, func(tx *sqlx.Tx) (NoticeResult, error) { return claimNotice(ctx, tx, c) })
}

// PreviewNotice answers what ClaimNotice would and changes nothing.
func (s *Store) PreviewNotice(ctx context.Context, c NoticeClaim) (NoticeResult, error) {
	return runClaim(ctx, s, true, func(tx *sqlx.Tx) (NoticeResult, error) { return claimNotice(ctx, tx, c) })
}

func claimNotice(ctx context.Context, tx *sqlx.Tx, c NoticeClaim) (NoticeResult, error) {
	var res NoticeResult
	refs := make([]string, len(c.Refs))
	for i, r := range c.Refs {
		refs[i] = r.Ref
	}
	var listed []struct {
		Ref        string             `db:"ref"`
		ID         int64              `db:"id"`
		Status     model.NotifyStatus `db:"status"`
		Attempts   int                `db:"attempts"`
		UpdatedAt  time.Time          `db:"updated_at"`
		Recipients pq.StringArray     `db:"recipients"`
	}
	if err := tx.SelectContext(ctx, &listed, `SELECT nn.ref, n.id, n.status, n.attempts, n.updated_at, n.recipients
		FROM notification_notices nn JOIN notifications n ON n.id = nn.notification_id
		WHERE nn.active AND nn.grp = $1 AND nn.ref = ANY($2) ORDER BY n.id FOR UPDATE OF n`,
		c.Group, pq.Array(refs)); err != nil {
		return res, fmt.Errorf("claim %s notice to %s: look up earlier notifications: %w", c.Kind, c.Group, err)
	}
	in := map[string]model.LockedShipment{}
	for _, l := range listed {
		in[l.Ref] = model.LockedShipment{ListedIn: l.ID, ListedStatus: l.Status, ListedAttempts: l.Attempts, ListedAt: l.UpdatedAt,
			ListedTo: l.Recipients}
	}
	replaceable := map[int64]bool{}
	seen := map[string]bool{}
	carried := 0 // the failed tries of the rows taken over (model.RetryAfter)
	for _, r := range c.Refs {
		l, ok := in[r.Ref]
		switch {
		case seen[r.Ref]:
			continue
		case ok && !l.ListedStatus.Replaceable():
			res.Dropped = append(res.Dropped, r)
			continue
		case ok && l.ListedStatus == model.NotifyFailed && c.Now.Before(l.ListedAt.Add(model.RetryAfter(l.ListedAttempts))) &&
			sameAddresses(c.Recipients, l.ListedTo):
			// Failed to these addresses, its retry not due yet: the
			// notice waits whole, as a reminder does (one message per
			// group), and goes with its new refs after the wait.
			return NoticeResult{}, nil
		case ok:
			replaceable[l.ListedIn] = true
			if l.ListedStatus == model.NotifyFailed {
				carried = max(carried, l.ListedAttempts)
			}
		}
		seen[r.Ref] = true
		res.Refs = append(res.Refs, r)
	}
	var err error
	if res.Refs, err = undecidedFollowUps(ctx, tx, c.Kind, res.Refs); err != nil {
		return res, fmt.Errorf("claim %s notice to %s: %w", c.Kind, c.Group, err)
	}
	if len(res.Refs) == 0 {
		return res, nil
	}
	n, send, err := settle(ctx, tx, settlement{key: NoticeKey(c.Kind, c.Group, res.Refs), kind: c.Kind, group: c.Group,
		recipients: c.Recipients, now: c.Now, replaceable: replaceable, carried: carried}, "notification_notices",
		func(id int64) error {
			refs, ships := make([]string, len(res.Refs)), make(nullTexts, len(res.Refs))
			for i, r := range res.Refs {
				refs[i] = r.Ref
				ships[i] = sql.NullString{String: r.ShipmentID, Valid: r.ShipmentID != ""}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO notification_notices (notification_id, grp, ref, shipment_id)
				SELECT $1, $2, r, s FROM unnest($3::text[], $4::uuid[]) AS c(r, s)`, id, c.Group, pq.Array(refs), ships)
			return err
		})
	if err != nil {
		return res, fmt.Errorf("claim %s notice to %s: %w", c.Kind, c.Group, err)
	}
	res.Notification, res.Send = n, send
	return res, nil
}

// undecidedFollowUps leaves out of a follow-up notice's refs (kind
// KindFollowUpDue or KindFollowUpOverdue) those whose follow-up has a
// decision by now, read under a share lock (a decision being recorded is
// waited for): a run reads every unit's open follow-ups first and mails
// unit after unit, and a follow-up decided meanwhile was mailed as still
// to decide. Other notices' refs are returned as they are.
func undecidedFollowUps(ctx context.Context, tx *sqlx.Tx, kind string, refs []NoticeRef) ([]NoticeRef, error) {
	if kind != KindFollowUpDue && kind != KindFollowUpOverdue || len(refs) == 0 {
		return refs, nil
	}
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		if r.ShipmentID != "" {
			ids = append(ids, r.ShipmentID)
		}
	}
	var decided []string
	if err := tx.SelectContext(ctx, &decided, `SELECT shipment_id FROM followups
		WHERE `+anyKey("shipment_id", 1, "uuid")+` AND decision IS NOT NULL ORDER BY shipment_id FOR SHARE`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("read the follow-ups decided meanwhile: %w", err)
	}
	if len(decided) == 0 {
		return refs, nil
	}
	gone := make(map[string]bool, len(decided))
	for _, id := range decided {
		gone[id] = true
	}
	out := refs[:0:0]
	for _, r := range refs {
		if !gone[r.ShipmentID] {
			out = append(out, r)
		}
	}
	return out, nil
}

// sameAddresses reports whether a and b are the same addresses, in any
// order.
func sameAddresses(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// NoticeTold is one thing a notice run tells as of now: a ref to a group
// (NoticeClaim's).
type NoticeTold struct {
	Group, Ref string
}

// SupersedeUntoldNotices ends (superseded) the notices (every kind but the
// reminder) that failed or wait for an address and none of whose refs is
// in told, the (group, ref) pairs a notice run tells as of now: a later
// run sends one only when it tells one of its refs again (ClaimNotice
// takes it over), so one whose every case was settled since (a follow-up
// decided, a case resolved, a day's digest past) is sent by no run, and
// stayed listed as needing a look (UnresolvedNotifications) for good.
// One whose outcome is unknown is left for a person. It returns how many
// it ended.
func (s *Store) SupersedeUntoldNotices(ctx context.Context, told []NoticeTold, now time.Time) (int64, error) {
	groups, refs := make([]string, len(told)), make([]string, len(told))
	for i, t := range told {
		groups[i], refs[i] = t.Group, t.Ref
	}
	var n int64
	err := s.db.GetContext(ctx, &n, `WITH gone AS (
			UPDATE notifications n SET status = 'superseded', updated_at = $3,
				last_error = CASE WHEN n.last_error = '' THEN '' ELSE n.last_error || '; ' END ||
					'nothing of it left to tell (its follow-ups decided, its cases settled, its day past): sent by no run'
			WHERE n.kind <> '`+KindReminder+`' AND n.status IN ('`+string(NotifyFailed)+`', '`+string(NotifyNoAddress)+`')
				AND NOT EXISTS (SELECT 1 FROM notification_notices nn
					JOIN unnest($1::text[], $2::text[]) AS t(grp, ref) ON t.grp = nn.grp AND t.ref = nn.ref
					WHERE nn.notification_id = n.id AND nn.active)
			RETURNING n.id),
		off AS (
			UPDATE notification_notices SET active = false WHERE notification_id IN (SELECT id FROM gone) RETURNING 1)
		SELECT count(*) FROM gone`, pq.Array(groups), pq.Array(refs), now)
	if err != nil {
		return 0, fmt.Errorf("end the failed or address-less notices with nothing left to tell: %w", err)
	}
	return n, nil
}
