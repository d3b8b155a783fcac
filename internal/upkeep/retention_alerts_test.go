package upkeep

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// A health alert resolved longer ago than the retention period goes with
// the notices that told of it: their destinations and payloads are
// people's e-mail addresses, their errors a mail server's words about
// them. An alert still firing, one resolved within the period, and a
// notice that also told of such an alert (with the old alert it names)
// stay, so no transition is told twice.
func TestRetentionPurgesLongResolvedAlertsAndTheirNotices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	db := st.DB()
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	alert := func(status string, started time.Time, resolved *time.Time) int64 {
		t.Helper()
		var id int64
		if err := db.Get(&id, `INSERT INTO health_alerts (fingerprint, rule, labels, severity, status, affected, selector,
			started_at, updated_at, resolved_at) VALUES (md5(random()::text), 'channel_silent', '{"channel": "svarut"}', 'critical', $1, 1, '{}',
			$2, $2, $3) RETURNING id`, status, started, resolved); err != nil {
			t.Fatal(err)
		}
		return id
	}
	notice := func(dest string, at time.Time, alerts ...int64) int64 {
		t.Helper()
		var id int64
		if err := db.Get(&id, `INSERT INTO health_notices (key, destination, rule, status, payload, last_error, created_at, claimed_at, updated_at)
			VALUES (md5(random()::text), $1, 'channel_silent', 'sent', jsonb_build_object('to', $1::text), '550 no such user ' || $1, $2, $2, $2)
			RETURNING id`, dest, at); err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			if _, err := db.Exec(`INSERT INTO health_notice_items (notice_id, alert_id, destination, seq, transition)
				VALUES ($1, $2, $3, 1, 'resolved')`, id, a, dest); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	resolvedOld, resolvedRecent := old.AddDate(0, 0, 1), now.AddDate(-1, 0, 0)
	gone := alert("resolved", old, &resolvedOld)
	goneNotice := notice("email:kari.drift@bergen.kommune.no", old, gone)
	sharedOld := alert("resolved", old, &resolvedOld)
	firing := alert("firing", old, nil)
	shared := notice("email:ola.drift@bergen.kommune.no", old, sharedOld, firing)
	recent := alert("resolved", now.AddDate(-1, 0, -1), &resolvedRecent)
	recentNotice := notice("email:per.drift@bergen.kommune.no", resolvedRecent, recent)

	p, err := purge(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string, id int64) int {
		t.Helper()
		var n int
		if err := db.Get(&n, q, id); err != nil {
			t.Fatal(err)
		}
		return n
	}
	alerts, notices := `SELECT count(*) FROM health_alerts WHERE id = $1`, `SELECT count(*) FROM health_notices WHERE id = $1`
	if count(alerts, gone) != 0 || count(notices, goneNotice) != 0 {
		t.Errorf("an alert resolved six years ago and its notice are still kept")
	}
	for _, id := range []int64{sharedOld, firing, recent} {
		if count(alerts, id) != 1 {
			t.Errorf("alert %d purged: it is firing, resolved within the period, or told of with one that is", id)
		}
	}
	for _, id := range []int64{shared, recentNotice} {
		if count(notices, id) != 1 {
			t.Errorf("notice %d purged: it told of an alert still kept", id)
		}
	}
	if p.Alerts != 1 {
		t.Errorf("purge counts %d alerts, want 1", p.Alerts)
	}
	if found := scan(t, st, []string{"kari.drift@bergen.kommune.no"}); len(found) > 0 {
		t.Errorf("the purged notice's address is still in %v", found)
	}
}
