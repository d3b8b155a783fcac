package main_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"postvakt/internal/pgtest"
)

// scrape GETs /metrics with token and returns the status and body.
func scrape(t *testing.T, addr, token string) (int, string) {
	t.Helper()
	return getWithToken(t, addr, token, "/metrics")
}

// getWithToken GETs path from serve at addr with the API token and
// returns the status and body.
func getWithToken(t *testing.T, addr, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsWhileDatabaseDown: the moment an operator needs /metrics
// most is when PostgreSQL is gone. A scrape with a token the database
// confirmed before still answers then, with postvakt_health_alerts_readable
// and postvakt_database_up at 0 and the go_sql_* pool gauges, so the
// shipped rules page the on-call about the database, not about postvakt
// being down.
func TestMetricsWhileDatabaseDown(t *testing.T) {
	db := pgtest.New(t)
	token := newToken(t, db, "prometheus", "operations")
	addr, cmd, logs := startServe(t, db)
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	if code, body := scrape(t, addr, token); code != 200 || !strings.Contains(body, "postvakt_health_alerts_readable 1") {
		t.Fatalf("/metrics with the database up: %d\n%.300s", code, body)
	}

	// The database becomes unreachable: no new connection is allowed and
	// the open ones are cut (as a failover or a restart does).
	pgtest.Unreachable(t, db)
	time.Sleep(11 * time.Second) // past the collector's 10 s cache

	code, body := scrape(t, addr, token)
	if code != 200 {
		t.Fatalf("/metrics while the database is down: %d %s; want 200 with postvakt_health_alerts_readable 0 (log:\n%s)",
			code, strings.TrimSpace(body), tail(logs.String(), 5))
	}
	if !regexp.MustCompile(`(?m)^postvakt_health_alerts_readable 0$`).MatchString(body) {
		t.Fatalf("/metrics while the database is down does not say so:\n%.2000s", body)
	}
}

// TestMetricsCarryTheOperationalSignals: what an operator alerts on from
// Prometheus beyond "a health rule fires" and "poll calls fail": the poll
// lag and the letters due per channel, when each scheduled job last
// succeeded and how its runs ended, the reminders and notices not sent
// (failed, unknown), the print orders under way, and whether the database
// answers.
func TestMetricsCarryTheOperationalSignals(t *testing.T) {
	db := pgtest.New(t)
	token := newToken(t, db, "prometheus", "operations")
	addr, cmd, _ := startServe(t, db, "POSTVAKT_SVARUT_URL=http://127.0.0.1:1", "POSTVAKT_SVARUT_API=v1",
		"POSTVAKT_SVARUT_USER=u", "POSTVAKT_SVARUT_PASSWORD=pw-secret", "POSTVAKT_POLL_SCHEDULE=@every 1s",
		"POSTVAKT_NOTICE_SCHEDULE=@every 1s", "POSTVAKT_HEALTH_SCHEDULE=@every 1s", "POSTVAKT_ESCALATE_SCHEDULE=@every 1s")
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	time.Sleep(3 * time.Second) // a few ticks of every job
	code, body := scrape(t, addr, token)
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []struct{ what, re string }{
		{"poll lag (oldest due letter) per channel", `(?m)^postvakt_poll_(lag|oldest_due)[a-z_]*\{channel="svarut"\} `},
		{"letters due per channel", `(?m)^postvakt_poll_due[a-z_]*\{channel="svarut"\} `},
		{"last success per scheduled job", `(?m)^postvakt_job_last_success_timestamp_seconds\{task="escalate"\} `},
		{"failures per scheduled job", `(?m)^postvakt_job_(failures|runs)_total\{[^}]*task="notices"`},
		{"reminders/notices failed or unknown", `(?m)^postvakt_notifications[a-z_]*\{[^}]*status="unknown"`},
		{"print orders not confirmed", `(?m)^postvakt_print_orders[a-z_]*\{[^}]*state=`},
		{"database reachable", `(?m)^postvakt_database_up `},
	} {
		if !regexp.MustCompile(want.re).MatchString(body) {
			t.Errorf("/metrics has no %s (%s)", want.what, want.re)
		}
	}
	// Prometheus sets job and instance on every series it scrapes (the
	// scrape config's job_name, the target) and renames a target's own to
	// exported_job: a rule by (job) would fold every scheduled job into one.
	for _, m := range regexp.MustCompile(`(?m)^postvakt_[a-z_]+\{[^}]*\b(job|instance)="[^}]*\}`).FindAllString(body, 5) {
		t.Errorf("/metrics has a series with Prometheus' target label job or instance: %s", m)
	}
}
