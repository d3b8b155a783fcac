package migrations_test

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/migrations"
)

// TestHelperMigrateUp is no test: TestMigrateKilledThenAgain runs the test
// binary with it as a migrate of its own, which it kills.
func TestHelperMigrateUp(t *testing.T) {
	url := os.Getenv("POSTVAKT_HELPER_MIGRATE_URL")
	if url == "" {
		t.Skip("run by TestMigrateKilledThenAgain")
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = migrations.Up(context.Background(), db, migrations.Progress{Start: func(name string) { os.Stdout.WriteString("begin " + name + "\n") }})
	t.Log(err)
}

// TestMigrateKilledThenAgain: a migrate killed (kill -9, or an
// orchestrator's probe) while the server still runs one of its statements
// (here 00039's CREATE INDEX CONCURRENTLY, waiting for an older
// transaction) leaves that statement running on the server after its
// client is gone. The migrate started next waits for it, saying who
// holds the lock, and then applies the migration again; it used to take
// the migration lock at once (the killed one's lock session ended with
// it) and run 00039 beside the orphan: "deadlock detected".
func TestMigrateKilledThenAgain(t *testing.T) {
	ctx := context.Background()
	url, db, p := provider(t)
	if _, err := p.DownTo(ctx, 38); err != nil {
		t.Fatal(err)
	}
	// An older transaction 00039's index must wait for.
	old, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Rollback() //nolint:errcheck
	if _, err := old.Exec(`SELECT count(*) FROM sender_orgs`); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMigrateUp$", "-test.v")
	cmd.Env = append(os.Environ(), "POSTVAKT_HELPER_MIGRATE_URL="+url)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() && !strings.Contains(lines.Text(), "begin 00039") {
	}
	waitFor(t, db, `SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY shipment_events_shipment_time%' AND wait_event_type = 'Lock'`)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// Its run's lock is gone with its client.
	waitFor(t, db, `SELECT count(*) = 0 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1
		AND objid = (x'706f73747661'::bigint & 4294967295)::oid`)

	var (
		mu     sync.Mutex
		holder string
	)
	done := make(chan error, 1)
	go func() {
		_, err := migrations.Up(ctx, db, migrations.Progress{Waiting: func(h string) { mu.Lock(); holder = h; mu.Unlock() }})
		done <- err
	}()
	// Once it waits for the orphan (or, as before, runs 00039 beside it),
	// the older transaction ends, and with it the orphan's statement.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		told := holder != ""
		mu.Unlock()
		var beside bool
		if err := db.QueryRow(`SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'DROP INDEX CONCURRENTLY IF EXISTS shipment_events_shipment_time%'`).Scan(&beside); err != nil {
			t.Fatal(err)
		}
		if told || beside || time.Now().After(deadline) {
			break
		}
	}
	if err := old.Rollback(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("migrate after the killed one: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("migrate after the killed one still runs after a minute")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(holder, "pid ") {
		t.Errorf("migrate said it waited for %q, want the killed one's statement's pid", holder)
	}
	if got := rows(t, db, `SELECT indexrelid::regclass::text || ' ' || indisvalid FROM pg_index WHERE indrelid = 'shipment_events'::regclass
		AND indexrelid::regclass::text LIKE 'shipment_events_shipment%'`); got != "shipment_events_shipment_time true" {
		t.Errorf("indexes after the upgrade: %s, want shipment_events_shipment_time true", got)
	}
	latest, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}
	var at int64
	if err := db.QueryRow(`SELECT max(version_id) FROM goose_db_version`).Scan(&at); err != nil || at != latest {
		t.Errorf("database at %d after the upgrade (%v), want %d", at, err, latest)
	}
}

// waitFor waits (up to 30 s) until q, a boolean, is true.
func waitFor(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		var ok bool
		if err := db.QueryRow(q).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not so after 30s: %s", q)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
