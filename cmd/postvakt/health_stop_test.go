package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/storetest"
)

// alertNoticesWorld is a database with three organisations that never
// open their letters (never_opening_org fires for each at the first
// evaluation), and the env that sends every health alert by e-mail to
// dests operations addresses through the relay at smtpAddr: one alert
// notice per address.
func alertNoticesWorld(t *testing.T, smtpAddr string, dests int) (string, []string) {
	t.Helper()
	db := pgtest.New(t)
	dir := t.TempDir()
	policies := policyDir(t, "name: p\ncalendar: NO\nreminders: {max: 0}\nprint: {enabled: false}\n")
	os.WriteFile(filepath.Join(policies, "health.yaml"), []byte("repeat_interval: 4h\nrules:\n  never_opening_org:\n    letters: 2\n    over: 365d\n    min_age: 1h\n"), 0o644)
	var letters strings.Builder
	letters.WriteString(header)
	sent := time.Now().AddDate(0, 0, -10).UTC().Format(time.RFC3339)
	for i, org := range storetest.OrgNumbers(3) {
		for j := 0; j < 3; j++ {
			letterRow(&letters, storetest.ChannelID(fmt.Sprintf("hhealth-%d", i), j), "Byggesak", org, sent)
		}
	}
	os.WriteFile(filepath.Join(dir, "letters.csv"), []byte(letters.String()), 0o644)
	var to []string
	for i := 0; i < dests; i++ {
		to = append(to, fmt.Sprintf("ops%d@kommune.example", i))
	}
	env := []string{"POSTVAKT_POLICIES=" + policies, "POSTVAKT_SMTP_ADDR=" + smtpAddr, "POSTVAKT_SMTP_TLS=none",
		"POSTVAKT_SMTP_FROM=postvakt@stop.example", "POSTVAKT_ALERT_EMAIL=" + strings.Join(to, ",")}
	for _, args := range [][]string{{"migrate"}, {"import", filepath.Join(dir, "letters.csv")}} {
		if _, stderr, code := runEnv(t, append([]string{"DATABASE_URL=" + db}, env...), args...); code != 0 {
			t.Fatalf("postvakt %s: exit %d\n%s", args[0], code, stderr)
		}
	}
	// As a poll would have found them.
	if _, err := openDB(t, db).Exec(`UPDATE shipments SET state = 'available'`); err != nil {
		t.Fatal(err)
	}
	return db, env
}

// TestHealthOnceStopsSoftly: `health --once` stopped by SIGTERM while it
// sends its first alert notice (of eight) finishes that one and records it
// sent, claims no other (they wait for the next evaluation, which sends
// each once), and exits 1 saying it stopped before the evaluation was
// done; it ended on the next claim's "begin transaction: context
// canceled".
func TestHealthOnceStopsSoftly(t *testing.T) {
	const dests = 8
	smtp := startSlowSMTP(t, 3*time.Second)
	db, env := alertNoticesWorld(t, smtp.ln.Addr().String(), dests)
	env = append(env, "DATABASE_URL="+db)
	cmd := exec.Command(bin, "health", "--once")
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	select {
	case <-smtp.dataCh:
	case <-time.After(60 * time.Second):
		t.Fatalf("no alert notice begun:\n%s", out.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	code, _ := waitExit(cmd)
	notices := func() map[string]int {
		got := map[string]int{}
		rows, err := openDB(t, db).Query(`SELECT status, count(*) FROM health_notices GROUP BY status`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int
			rows.Scan(&s, &n)
			got[s] = n
		}
		return got
	}
	if got := notices(); len(got) != 1 || got["sent"] != 1 {
		t.Errorf("after SIGTERM: alert notices %v, want the one begun sent and no other claimed", got)
	}
	// (The relay counts a message taken just after its answer, which the
	// notice's sent status stands for.)
	if data, _, cut := smtp.counts(); data != 1 || cut != 0 {
		t.Errorf("after SIGTERM: the relay saw %d begun, %d cut; want the one begun, not cut", data, cut)
	}
	if code != 1 || !strings.Contains(out.String(), "stopped before the evaluation was done") || strings.Contains(out.String(), "context canceled") {
		t.Errorf("health --once stopped by SIGTERM: exit %d\n%s\nwant 1, saying it stopped before the evaluation was done", code, tail(out.String(), 4))
	}
	// The next evaluation tells the others, each once.
	if _, stderr, code := runEnv(t, env, "health", "--once"); code != 0 {
		t.Fatalf("the next health --once: exit %d\n%s", code, stderr)
	}
	if got := notices(); len(got) != 1 || got["sent"] != dests {
		t.Errorf("after the next evaluation: alert notices %v, want %d sent", got, dests)
	}
	if data, _, _ := smtp.counts(); data != dests {
		t.Errorf("after the next evaluation: the relay saw %d begun; want each of %d once", data, dests)
	}
}
