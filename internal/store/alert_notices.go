package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The alert notification log (migration 00012): the reminders' pattern
// (notify.go) for health alerts. A notice is committed as pending before
// it is sent, and marked sent, failed or unknown after; a failed one is
// sent again by the next evaluation, an unknown one (or a pending one left
// by a crash) never.

// Notice statuses.
const (
	AlertNoticePending    = "pending"
	AlertNoticeSent       = "sent"
	AlertNoticeFailed     = "failed"
	AlertNoticeUnknown    = "unknown"
	AlertNoticeSuperseded = "superseded"
)

// Notice transitions: what a notice tells of an alert.
const (
	TransitionFiring   = "firing"
	TransitionResolved = "resolved"
)

// AlertNoticeItem is one alert transition a notice tells of: the alert's seq-th
// notification to the notice's destination.
type AlertNoticeItem struct {
	AlertID    int64  `db:"alert_id"`
	Seq        int    `db:"seq"`
	Transition string `db:"transition"`
}

// AlertNoticeState is the latest notification of an alert to a destination:
// its sequence number and transition, the notice's status, and when it
// was sent (or claimed, when not sent).
type AlertNoticeState struct {
	AlertID     int64     `db:"alert_id"`
	Destination string    `db:"destination"`
	Seq         int       `db:"seq"`
	Transition  string    `db:"transition"`
	Status      string    `db:"status"`
	At          time.Time `db:"at"`
	// Told: a firing notification of the alert reached the destination
	// (sent, or its outcome unknown), this one or an earlier one: its
	// resolution is owed even when the latest, a repeat, failed.
	Told bool `db:"told"`
}

// AlertNoticeStates returns the latest active notification of each of the
// alerts to each destination.
func (s *Store) AlertNoticeStates(ctx context.Context, alertIDs []int64) ([]AlertNoticeState, error) {
	var out []AlertNoticeState
	if err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT ON (i.alert_id, i.destination)
			i.alert_id, i.destination, i.seq, i.transition, n.status, COALESCE(n.sent_at, n.claimed_at) AS at,
			EXISTS (SELECT 1 FROM health_notice_items j JOIN health_notices m ON m.id = j.notice_id
				WHERE j.alert_id = i.alert_id AND j.destination = i.destination AND j.transition = '`+TransitionFiring+`'
					AND m.status IN ('`+AlertNoticeSent+`', '`+AlertNoticeUnknown+`')) AS told
		FROM health_notice_items i JOIN health_notices n ON n.id = i.notice_id
		WHERE i.alert_id = ANY($1) AND i.active
		ORDER BY i.alert_id, i.destination, i.seq DESC`, pq.Array(alertIDs)); err != nil {
		return nil, fmt.Errorf("read alert notifications: %w", err)
	}
	return out, nil
}

// AlertNoticeKey is the deterministic key of a notice: its destination and its
// items, in any order.
func AlertNoticeKey(destination string, items []AlertNoticeItem) string {
	sorted := append([]AlertNoticeItem(nil), items...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].AlertID != sorted[j].AlertID {
			return sorted[i].AlertID < sorted[j].AlertID
		}
		return sorted[i].Seq < sorted[j].Seq
	})
	h := sha256.New()
	h.Write([]byte("postvakt alert notice v1\n" + destination + "\n"))
	for _, it := range sorted {
		h.Write([]byte(strconv.FormatInt(it.AlertID, 10) + ":" + strconv.Itoa(it.Seq) + ":" + it.Transition + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AlertNoticeClaim asks to send one notice: to a destination, about a rule's
// alert transitions, as of Now.
type AlertNoticeClaim struct {
	Destination string
	Rule        string
	Items       []AlertNoticeItem
	Now         time.Time
}

// ClaimedAlertNotice is a claimed notice: its id and key, and the items it
// holds (items already told by another notice are left out).
type ClaimedAlertNotice struct {
	ID    int64
	Key   string
	Items []AlertNoticeItem
}

// ClaimAlertNotice records a notice as pending before it is sent, in one
// transaction. Items already in a notice that was (or may have been) sent
// are left out; a failed notice holding any of the items is superseded,
// or reused when it holds exactly them. It returns nil when nothing is
// left to send.
func (s *Store) ClaimAlertNotice(ctx context.Context, c AlertNoticeClaim) (*ClaimedAlertNotice, error) {
	var out *ClaimedAlertNotice
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		out = nil
		ids, seqs := make([]int64, len(c.Items)), make([]int64, len(c.Items))
		for i, it := range c.Items {
			ids[i], seqs[i] = it.AlertID, int64(it.Seq)
		}
		var taken []struct {
			AlertID  int64  `db:"alert_id"`
			Seq      int    `db:"seq"`
			NoticeID int64  `db:"notice_id"`
			Status   string `db:"status"`
		}
		if err := tx.SelectContext(ctx, &taken, `SELECT i.alert_id, i.seq, n.id AS notice_id, n.status
			FROM health_notice_items i
			JOIN unnest($1::bigint[], $2::int[]) AS c(alert_id, seq) ON i.alert_id = c.alert_id AND i.seq = c.seq
			JOIN health_notices n ON n.id = i.notice_id
			WHERE i.active AND i.destination = $3 ORDER BY n.id FOR UPDATE OF n`,
			pq.Array(ids), pq.Array(seqs), c.Destination); err != nil {
			return fmt.Errorf("claim %s notice to %s: %w", c.Rule, c.Destination, err)
		}
		type key struct {
			id  int64
			seq int
		}
		blocked := map[key]bool{}
		failed := map[int64]bool{}
		for _, t := range taken {
			if t.Status == AlertNoticeFailed {
				failed[t.NoticeID] = true
			} else {
				blocked[key{t.AlertID, t.Seq}] = true
			}
		}
		var items []AlertNoticeItem
		for _, it := range c.Items {
			if !blocked[key{it.AlertID, it.Seq}] {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			return nil
		}
		k := AlertNoticeKey(c.Destination, items)
		var existing struct {
			ID     int64  `db:"id"`
			Status string `db:"status"`
		}
		err := tx.GetContext(ctx, &existing, `SELECT id, status FROM health_notices WHERE key = $1 FOR UPDATE`, k)
		if err != nil && notFound(err) != ErrNotFound {
			return fmt.Errorf("claim %s notice to %s: %w", c.Rule, c.Destination, err)
		}
		exists := err == nil
		if exists && existing.Status != AlertNoticeFailed {
			return nil // the same notice was sent or is in flight
		}
		for id := range failed {
			if exists && id == existing.ID {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE health_notice_items SET active = false WHERE notice_id = $1`, id); err != nil {
				return fmt.Errorf("supersede notice %d: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE health_notices SET status = 'superseded', updated_at = $2 WHERE id = $1`, id, c.Now); err != nil {
				return fmt.Errorf("supersede notice %d: %w", id, err)
			}
		}
		id := existing.ID
		if exists {
			if _, err := tx.ExecContext(ctx, `UPDATE health_notices SET status = 'pending', attempts = attempts + 1,
				claimed_at = $2, updated_at = $2 WHERE id = $1`, id, c.Now); err != nil {
				return fmt.Errorf("claim notice %d again: %w", id, err)
			}
		} else {
			if err := tx.GetContext(ctx, &id, `INSERT INTO health_notices (key, destination, rule, status, created_at, claimed_at, updated_at)
				VALUES ($1, $2, $3, 'pending', $4, $4, $4) RETURNING id`, k, c.Destination, c.Rule, c.Now); err != nil {
				return fmt.Errorf("claim %s notice to %s: %w", c.Rule, c.Destination, err)
			}
			ids, seqs = ids[:0], seqs[:0]
			trans := make([]string, 0, len(items))
			for _, it := range items {
				ids, seqs, trans = append(ids, it.AlertID), append(seqs, int64(it.Seq)), append(trans, it.Transition)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO health_notice_items (notice_id, alert_id, destination, seq, transition)
				SELECT $1, a, $2, q, t FROM unnest($3::bigint[], $4::int[], $5::text[]) AS x(a, q, t)`,
				id, c.Destination, pq.Array(ids), pq.Array(seqs), pq.Array(trans)); err != nil {
				return fmt.Errorf("claim %s notice to %s: record its alerts: %w", c.Rule, c.Destination, err)
			}
		}
		out = &ClaimedAlertNotice{ID: id, Key: k, Items: items}
		return nil
	})
	return out, err
}

// MarkAlertNoticeSent records that the destination took the notice, with what
// was sent.
func (s *Store) MarkAlertNoticeSent(ctx context.Context, id int64, payload []byte, now time.Time) error {
	return s.setAlertNotice(ctx, id, AlertNoticeSent, "", payload, now, AlertNoticePending, AlertNoticeUnknown)
}

// MarkAlertNoticeFailed records that the notice was not delivered (refused, or
// the destination could not be reached): the next evaluation sends it.
func (s *Store) MarkAlertNoticeFailed(ctx context.Context, id int64, cause string, payload []byte, now time.Time) error {
	return s.setAlertNotice(ctx, id, AlertNoticeFailed, cause, payload, now, AlertNoticePending)
}

// MarkAlertNoticeUnknown records that the notice's outcome cannot be known: it
// is never sent again.
func (s *Store) MarkAlertNoticeUnknown(ctx context.Context, id int64, cause string, payload []byte, now time.Time) error {
	return s.setAlertNotice(ctx, id, AlertNoticeUnknown, cause, payload, now, AlertNoticePending)
}

func (s *Store) setAlertNotice(ctx context.Context, id int64, status, cause string, payload []byte, now time.Time, from ...string) error {
	var p any
	if len(payload) > 0 {
		p = string(payload)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE health_notices SET status = $2, last_error = $3,
			payload = COALESCE($4::jsonb, payload), updated_at = $5,
			sent_at = CASE WHEN $2 = 'sent' THEN $5::timestamptz ELSE sent_at END
		WHERE id = $1 AND status = ANY($6)`, id, status, trimError(cause), p, now, pq.Array(from))
	if err != nil {
		return fmt.Errorf("mark notice %d %s: %w", id, status, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("mark notice %d %s: it is not %v: %w", id, status, from, ErrNotFound)
	}
	return nil
}

// ExpiredAlertNotice is a notice ExpirePendingAlertNotices declared
// unknown: its id, rule and destination.
type ExpiredAlertNotice struct {
	ID          int64  `db:"id"`
	Rule        string `db:"rule"`
	Destination string `db:"destination"`
}

// ExpirePendingAlertNotices turns notices left pending longer than lease into
// unknown (their sender stopped between claiming and recording) and
// returns them.
func (s *Store) ExpirePendingAlertNotices(ctx context.Context, now time.Time, lease time.Duration) ([]ExpiredAlertNotice, error) {
	var out []ExpiredAlertNotice
	if err := s.db.SelectContext(ctx, &out, `UPDATE health_notices SET status = 'unknown', updated_at = $1,
			last_error = 'no outcome recorded within the lease: the sending evaluation stopped (crash?) after claiming it'
		WHERE status = 'pending' AND claimed_at < $2 RETURNING id, rule, destination`, now, now.Add(-lease)); err != nil {
		return nil, fmt.Errorf("expire pending alert notices: %w", err)
	}
	return out, nil
}

// AlertNoticeRow is one notice of the log, for the operations page and tests.
type AlertNoticeRow struct {
	ID          int64      `db:"id" json:"id"`
	Destination string     `db:"destination" json:"destination"`
	Rule        string     `db:"rule" json:"rule"`
	Status      string     `db:"status" json:"status"`
	Attempts    int        `db:"attempts" json:"attempts"`
	LastError   string     `db:"last_error" json:"last_error,omitempty"`
	Alerts      int        `db:"alerts" json:"alerts"`
	ClaimedAt   time.Time  `db:"claimed_at" json:"claimed_at"`
	SentAt      *time.Time `db:"sent_at" json:"sent_at,omitempty"`
}

// Notices returns the newest notices, at most limit.
func (s *Store) AlertNotices(ctx context.Context, limit int) ([]AlertNoticeRow, error) {
	out := []AlertNoticeRow{}
	if err := s.db.SelectContext(ctx, &out, `SELECT n.id, n.destination, n.rule, n.status, n.attempts, n.last_error,
			(SELECT count(*) FROM health_notice_items i WHERE i.notice_id = n.id AND i.active) AS alerts, n.claimed_at, n.sent_at
		FROM health_notices n ORDER BY n.id DESC LIMIT $1`, limit); err != nil {
		return nil, fmt.Errorf("list alert notices: %w", err)
	}
	return out, nil
}
