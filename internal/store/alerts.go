package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Alert statuses.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Labels are an alert's labels (channel, unit, sender, class, org).
type Labels map[string]string

// Scan reads labels from jsonb.
func (l *Labels) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok {
		return fmt.Errorf("labels: want jsonb, got %T", src)
	}
	return json.Unmarshal(b, l)
}

// String renders the labels as k=v pairs in key order, values quoted when
// they hold blanks or quotes.
func (l Labels) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := l[k]
		if v == "" || strings.ContainsAny(v, " \t\"'=") || strconv.Quote(v) != `"`+v+`"` {
			v = strconv.Quote(v)
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

// Fingerprint identifies an alert: its rule and labels.
func Fingerprint(rule string, l Labels) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	h.Write([]byte("postvakt alert v1\n" + rule + "\n"))
	for _, k := range keys {
		h.Write([]byte(k + "\x00" + l[k] + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Alert is a health alert.
type Alert struct {
	ID          int64  `db:"id" json:"id"`
	Fingerprint string `db:"fingerprint" json:"fingerprint"`
	Rule        string `db:"rule" json:"rule"`
	Labels      Labels `db:"labels" json:"labels"`
	Severity    string `db:"severity" json:"severity"`
	Status      string `db:"status" json:"status"`
	Inhibited   bool   `db:"inhibited" json:"inhibited"`
	Affected    int    `db:"affected" json:"affected"`
	Summary     string `db:"summary" json:"summary"`
	// Why is the summary for people in their language (health.Why); nil
	// for an alert fired before it was kept.
	Why         []AlertReason  `db:"-" json:"-"`
	WhyRaw      []byte         `db:"why" json:"-"`
	Selector    IncidentFilter `db:"-" json:"-"`
	SelectorRaw []byte         `db:"selector" json:"-"`
	StartedAt   time.Time      `db:"started_at" json:"started_at"`
	UpdatedAt   time.Time      `db:"updated_at" json:"updated_at"`
	ResolvedAt  *time.Time     `db:"resolved_at" json:"resolved_at"`
	// UnitID is the sending unit's id (sender_units.id) of the alert's
	// unit label, read with the alert (never stored: the label keeps the
	// unit's name, and the fingerprint with it); 0 for an alert about no
	// unit, or a unit no longer known by that name. Whatever leaves
	// postvakt (mail, webhook, metric, log) names the unit by it, never by
	// its name (health.OutwardLabels).
	UnitID int64 `db:"unit_id" json:"-"`
	// HeldAt is when the alert's condition last held (the last evaluation
	// that found it); nil for an alert of before migration 00042 or one an
	// older binary fired (health.Diff reads UpdatedAt then).
	HeldAt *time.Time `db:"held_at" json:"-"`
}

// AlertReason is one reason why an alert fires: a catalogue key
// (mail.alert.why.*) and its arguments, the durations among them in
// seconds (each language says them its own way).
type AlertReason struct {
	Key       string            `json:"key"`
	Args      map[string]string `json:"args,omitempty"`
	Durations map[string]int64  `json:"durations,omitempty"`
}

const alertColumns = `id, fingerprint, rule, labels, severity, status, inhibited, affected, summary, why, selector,
	started_at, updated_at, resolved_at, held_at, ` + sqlAlertUnitID + ` AS unit_id`

// sqlAlertUnitID is Alert.UnitID for a health_alerts row: the id of the
// unit its labels sender and unit name, 0 for none.
const sqlAlertUnitID = `COALESCE((SELECT u.id FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id
	WHERE o.orgnr = health_alerts.labels->>'sender' AND u.name = health_alerts.labels->>'unit'), 0)`

func fillAlerts(as []Alert) error {
	for i := range as {
		if err := json.Unmarshal(as[i].SelectorRaw, &as[i].Selector); err != nil {
			return fmt.Errorf("alert %d: read its selector: %w", as[i].ID, err)
		}
		if len(as[i].WhyRaw) > 0 {
			if err := json.Unmarshal(as[i].WhyRaw, &as[i].Why); err != nil {
				return fmt.Errorf("alert %d: read why it fires: %w", as[i].ID, err)
			}
		}
	}
	return nil
}

// FiringAlerts returns the firing alerts, oldest first.
func (s *Store) FiringAlerts(ctx context.Context) ([]Alert, error) {
	out := []Alert{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+alertColumns+` FROM health_alerts
		WHERE status = 'firing' ORDER BY started_at, id`); err != nil {
		return nil, fmt.Errorf("list firing alerts: %w", err)
	}
	return out, fillAlerts(out)
}

// Alerts returns the firing alerts and those resolved since a time, newest
// first, at most limit.
func (s *Store) Alerts(ctx context.Context, resolvedSince time.Time, limit int) ([]Alert, error) {
	return s.AlertsOf(ctx, "", resolvedSince, limit)
}

// AlertsOf is Alerts for those who see sender organisation senderOrg (""
// every one): its alerts (the label sender, else the selector's scope) and
// those about no organisation in particular, before the limit.
func (s *Store) AlertsOf(ctx context.Context, senderOrg string, resolvedSince time.Time, limit int) ([]Alert, error) {
	out := []Alert{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+alertColumns+` FROM health_alerts
		WHERE (status = 'firing' OR resolved_at >= $1)
		  AND ($3 = '' OR `+sqlAlertOrg+` IN ('', $3))
		ORDER BY started_at DESC, id DESC LIMIT $2`, resolvedSince, limit, senderOrg); err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, fillAlerts(out)
}

// Org is the sender organisation an alert is about: its sender label, else
// its rule's scope; "" for one about a channel or a receiving organisation,
// which concerns every sender. sqlAlertOrg is the same in SQL.
func (a Alert) Org() string {
	if org := a.Labels["sender"]; org != "" {
		return org
	}
	return a.Selector.SenderOrg
}

// sqlAlertOrg is Alert.Org for a health_alerts row.
const sqlAlertOrg = `COALESCE(NULLIF(labels->>'sender', ''), selector->'scope'->>'SenderOrg', '')`

// AlertByID returns one alert.
func (s *Store) AlertByID(ctx context.Context, id int64) (*Alert, error) {
	var a Alert
	if err := s.db.GetContext(ctx, &a, `SELECT `+alertColumns+` FROM health_alerts WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("get alert %d: %w", id, notFound(err))
	}
	as := []Alert{a}
	if err := fillAlerts(as); err != nil {
		return nil, err
	}
	return &as[0], nil
}

// AlertChanges is what one evaluation changes in the alerts: new alerts,
// updates of firing ones (by id; those whose condition held carry HeldAt
// now, those kept firing without it their earlier HeldAt), and firing ones
// that resolved (by id).
type AlertChanges struct {
	Fire    []Alert
	Update  []Alert
	Resolve []int64
	Now     time.Time
}

// ApplyAlerts writes an evaluation's alert changes in one transaction and
// returns the alerts it fired (with their ids). A new alert whose
// fingerprint fires already (a concurrent evaluation) is updated instead.
func (s *Store) ApplyAlerts(ctx context.Context, c AlertChanges) ([]Alert, error) {
	var fired []Alert
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		fired = nil
		for _, a := range c.Update {
			if err := updateAlert(ctx, tx, a, c.Now); err != nil {
				return err
			}
		}
		if len(c.Resolve) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE health_alerts SET status = 'resolved', resolved_at = $2, updated_at = $2
				WHERE id = ANY($1) AND status = 'firing'`, pq.Array(c.Resolve), c.Now); err != nil {
				return fmt.Errorf("resolve alerts: %w", err)
			}
		}
		for _, a := range c.Fire {
			sel, err := a.Selector.json()
			if err != nil {
				return fmt.Errorf("fire alert %s: %w", a.Rule, err)
			}
			labels, _ := json.Marshal(a.Labels)
			fp := Fingerprint(a.Rule, a.Labels)
			err = tx.QueryRowxContext(ctx, `INSERT INTO health_alerts (fingerprint, rule, labels, severity, status,
					inhibited, affected, summary, why, selector, started_at, updated_at, held_at)
				VALUES ($1, $2, $3, $4, 'firing', $5, $6, $7, $10, $8, $9, $9, $9)
				ON CONFLICT (fingerprint) WHERE status = 'firing' DO UPDATE SET affected = EXCLUDED.affected,
					summary = EXCLUDED.summary, why = EXCLUDED.why, selector = EXCLUDED.selector, inhibited = EXCLUDED.inhibited,
					severity = EXCLUDED.severity, updated_at = EXCLUDED.updated_at, held_at = EXCLUDED.held_at
				RETURNING id, `+sqlAlertUnitID, fp, a.Rule, labels, a.Severity, a.Inhibited, a.Affected, a.Summary, sel, c.Now,
				whyJSON(a.Why)).Scan(&a.ID, &a.UnitID)
			if err != nil {
				// By fingerprint: the labels may name a unit.
				return fmt.Errorf("fire alert %s %s: %w", a.Rule, fp, err)
			}
			now := c.Now
			a.Fingerprint, a.Status, a.StartedAt, a.UpdatedAt, a.HeldAt = fp, AlertFiring, c.Now, c.Now, &now
			fired = append(fired, a)
		}
		return nil
	})
	return fired, err
}

// whyJSON is an alert's reasons as the why column keeps them (NULL for
// none).
func whyJSON(why []AlertReason) any {
	if len(why) == 0 {
		return nil
	}
	b, err := json.Marshal(why)
	if err != nil {
		return nil
	}
	return b
}

// updateAlert writes a firing alert as the evaluation found it (updated_at:
// now), and when its condition last held (an alert kept firing without it
// keeps its held_at).
func updateAlert(ctx context.Context, tx *sqlx.Tx, a Alert, now time.Time) error {
	sel, err := a.Selector.json()
	if err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE health_alerts SET affected = $2, summary = $3, selector = $4,
			inhibited = $5, severity = $6, updated_at = $7, why = $8, held_at = COALESCE($9, held_at)
		WHERE id = $1 AND status = 'firing'`,
		a.ID, a.Affected, a.Summary, sel, a.Inhibited, a.Severity, now, whyJSON(a.Why), a.HeldAt); err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	return nil
}

// OrgsWithoutAccess returns which of the organisations have a firing
// never_opening_org alert: nobody there seems to have the access role, so
// their reminders say how to get it.
func (s *Store) OrgsWithoutAccess(ctx context.Context, orgs []string) (map[string]bool, error) {
	var found []string
	if err := s.db.SelectContext(ctx, &found, `SELECT DISTINCT labels->>'org' FROM health_alerts
		WHERE rule = 'never_opening_org' AND status = 'firing' AND labels->>'org' = ANY($1)`, pq.Array(orgs)); err != nil {
		return nil, fmt.Errorf("look up organisations without access: %w", err)
	}
	out := make(map[string]bool, len(found))
	for _, o := range found {
		out[o] = true
	}
	return out, nil
}

// Silence is a channel_silent alert that resolved: when it began and
// when it ended.
type Silence struct {
	Started time.Time `db:"started_at"`
	Ended   time.Time `db:"resolved_at"`
}

// SilencesEnded returns, per channel, its last channel_silent alert that
// resolved, for those resolved since a time.
func (s *Store) SilencesEnded(ctx context.Context, since time.Time) (map[string]Silence, error) {
	var rows []struct {
		Channel string `db:"channel"`
		Silence
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT DISTINCT ON (labels->>'channel') labels->>'channel' AS channel, started_at, resolved_at
		FROM health_alerts WHERE rule = 'channel_silent' AND status = 'resolved' AND resolved_at >= $1
		ORDER BY labels->>'channel', resolved_at DESC`, since); err != nil {
		return nil, fmt.Errorf("read ended channel silences: %w", err)
	}
	out := make(map[string]Silence, len(rows))
	for _, r := range rows {
		out[r.Channel] = r.Silence
	}
	return out, nil
}
