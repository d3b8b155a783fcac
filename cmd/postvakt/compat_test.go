package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/migrations"
)

// TestOlderBinaryRefuses puts this binary on a database a newer release
// migrated (a version above its newest migration in goose's table). While
// the newer release's compatible_from stays at 20, this binary warns and
// serves (/readyz 200). Once the newer release raises it above what this
// binary knows (a migration that breaks older binaries), every command
// exits 1 naming both versions, serve does not start, and a serve already
// running answers /readyz 503 with the reason and runs no more jobs.
func TestOlderBinaryRefuses(t *testing.T) {
	db := pgtest.New(t)
	latest, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}
	newer := latest + 1
	exec1 := func(q string, args ...any) {
		t.Helper()
		st, err := store.Open(context.Background(), db, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec1(`INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, newer)

	// Newer but compatible: a warning, and ready.
	addr, cmd, logs := startServe(t, db, "POSTVAKT_PRINT_SCHEDULE=@every 1s")
	defer cmd.Process.Kill()
	readyz := func() (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// The newer release's breaking migration raises compatible_from.
	exec1(`UPDATE schema_compatibility SET compatible_from = $1`, newer)
	want := fmt.Sprintf("this binary knows migrations up to %05d; the database (at %05d) needs at least %05d — run the newer release", latest, newer, newer)
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "needs a newer postvakt") || !strings.Contains(body, want) {
		t.Errorf("/readyz of a running serve after the breaking migration: %d %s, want 503 with %q", code, body, want)
	}
	// Its jobs stop writing: the print job (every second here) is not run.
	// The log is read once serve has exited (it is written meanwhile).
	time.Sleep(2500 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	if !strings.Contains(logs.String(), "the database schema is newer than this postvakt knows") {
		t.Errorf("serve on a newer compatible schema does not warn:\n%s", logs)
	}
	if out := logs.String(); !strings.Contains(out, "scheduled job not run") || !strings.Contains(out, want) {
		t.Errorf("serve's jobs after the breaking migration: no \"scheduled job not run\" with %q in its log:\n%s", want, out)
	}

	for _, args := range [][]string{{"migrate"}, {"poll", "--once"}, {"notifications", "list"}} {
		_, stderr, code := run(t, db, args...)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%v on a database that needs a newer binary: exit %d, stderr:\n%s\nwant exit 1 with %q", args, code, stderr, want)
		}
	}
	// serve does not start: it exits 1 with the reason.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0")
	srv.Env = append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies")
	out, err := srv.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), want) {
		t.Errorf("serve on a database that needs a newer binary: %v\n%s\nwant exit 1 with %q", err, out, want)
	}
}
