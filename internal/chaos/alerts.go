package chaos

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// alertsTo gets every health alert (POSTVAKT_ALERT_EMAIL); reminders go to
// the organisations' own addresses.
const alertsTo = "alerts@chaos.example"

// alertKey is the part of a notice key an alert e-mail's Message-ID
// carries (remind.MessageIDOf with kind "alert": "alert.<first 40 of the key>@<domain>"), or
// "" for a message that is not an alert.
func alertKey(messageID string) string {
	rest, ok := strings.CutPrefix(messageID, "alert.")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(rest, "@")
	return key
}

// checkAlerts compares the alert e-mails mailpit received with the alert
// notice log: no alert transition (an alert's seq-th notice to a
// destination: firing, a repeat or resolved) in more than one e-mail, no
// e-mail the log has no notice for, and no notice recorded as sent that
// never arrived.
func checkAlerts(ctx context.Context, r *Report, db *sqlx.DB, msgs []mail) error {
	var notices []struct {
		ID          int64  `db:"id"`
		Key         string `db:"key"`
		Status      string `db:"status"`
		Destination string `db:"destination"`
	}
	if err := db.SelectContext(ctx, &notices, `SELECT id, key, status, destination FROM health_notices`); err != nil {
		return fmt.Errorf("read alert notices: %w", err)
	}
	type transition struct {
		Notice int64  `db:"notice_id"`
		Alert  int64  `db:"alert_id"`
		Dest   string `db:"destination"`
		Seq    int    `db:"seq"`
	}
	var items []transition
	if err := db.SelectContext(ctx, &items, `SELECT notice_id, alert_id, destination, seq FROM health_notice_items`); err != nil {
		return fmt.Errorf("read alert notice items: %w", err)
	}
	byKey := map[string]int64{}
	for _, n := range notices {
		byKey[n.Key[:min(40, len(n.Key))]] = n.ID
	}
	itemsOf := map[int64][]transition{}
	for _, it := range items {
		itemsOf[it.Notice] = append(itemsOf[it.Notice], it)
	}
	received := map[string]bool{}
	told := map[transition]int{}
	for _, m := range msgs {
		key := alertKey(m.MessageID)
		if key == "" {
			continue
		}
		r.AlertMails++
		received[key] = true
		id, ok := byKey[key]
		if !ok {
			r.Invalid++
			r.problem("an alert e-mail (Message-ID %s) the database has no notice for", m.MessageID)
			continue
		}
		for _, it := range itemsOf[id] {
			told[transition{Alert: it.Alert, Dest: it.Dest, Seq: it.Seq}]++
		}
	}
	for t, c := range told {
		if c > 1 {
			r.DuplicateAlerts++
			r.problem("alert %d's notice %d to %s in %d e-mails", t.Alert, t.Seq, t.Dest, c)
		}
	}
	for _, n := range notices {
		if n.Status == "sent" && strings.HasPrefix(n.Destination, "email:") && !received[n.Key[:min(40, len(n.Key))]] {
			r.LostAlerts++
			r.problem("alert notice %d recorded as sent to %s, never received", n.ID, n.Destination)
		}
	}
	return nil
}
