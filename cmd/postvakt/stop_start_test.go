package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// TestStopAfterMigrationsBeforeTheJobs: a SIGTERM that comes after the
// migrations but before serve's jobs start (here while it looks for
// Altinn Notifications orders refused, a read waiting behind a lock) is a
// stop during the start too: exit 0, "stopped before it started", not
// exit 1 with "context canceled" as if the start had failed.
func TestStopAfterMigrationsBeforeTheJobs(t *testing.T) {
	db := pgtest.New(t)
	if _, stderr, code := runEnv(t, []string{"DATABASE_URL=" + db}, "migrate"); code != 0 {
		t.Fatalf("postvakt migrate: exit %d\n%s", code, stderr)
	}
	ctx := context.Background()
	conn, err := sql.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies", "POSTVAKT_STOP_DRAIN=0s")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until serve, migrated, waits behind the lock for the refused orders.
	for deadline := time.Now().Add(30 * time.Second); ; {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM notifications n WHERE%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			waitExit(cmd)
			t.Fatalf("serve never waited for the refused orders' read:\n%s", tail(logs.String(), 5))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	code, took := waitExit(cmd)
	if code != 0 || took > 5*time.Second || !strings.Contains(logs.String(), "stopped before it started") {
		t.Errorf("SIGTERM after the migrations, before the jobs: exit %d after %s; want 0 at once\n%s", code, took, tail(logs.String(), 3))
	}
}
