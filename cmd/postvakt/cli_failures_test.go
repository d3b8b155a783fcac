package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// An export that fails leaves no file behind, and leaves a file already
// at the -o path as it was: a compliance officer must not send on a
// half-written list (a failed or interrupted export used to leave the file
// truncated, or cut off after a few thousand rows with nothing to show it).
// The failure here is the shipments table gone from under the export.
func TestFailedExportLeavesNoFile(t *testing.T) {
	db := pgtest.New(t)
	if out, stderr, code := run(t, db, "import", "../../testdata/demo/shipments.csv"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	if _, stderr, code := run(t, db, "report", "unopened", "--format", "csv", "-o", good); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(good); !bytes.HasPrefix(b, []byte("id,channel,")) || bytes.Count(b, []byte("\n")) < 2 {
		t.Fatalf("the export is not the list:\n%s", b)
	}
	old := filepath.Join(dir, "old.csv")
	os.WriteFile(old, []byte("last week's list\n"), 0o644)
	if _, err := openDB(t, db).Exec(`ALTER TABLE shipments RENAME TO shipments_gone`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"old.csv", "new.csv", "new.xlsx"} {
		format := strings.TrimPrefix(filepath.Ext(name), ".")
		if _, stderr, code := run(t, db, "report", "unopened", "--format", format, "-o", filepath.Join(dir, name)); code != 1 {
			t.Fatalf("export with the table gone: exit %d, want 1\n%s", code, stderr)
		}
	}
	if b, _ := os.ReadFile(old); string(b) != "last week's list\n" {
		t.Errorf("the failed export changed the file that was there: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "good.csv old.csv" {
		t.Errorf("after the failed exports the folder holds %v, want only good.csv and old.csv", names)
	}
}

// -o naming a pipe (a FIFO a script reads, /dev/stdout) or a link to a
// file writes the list into what is there: the pipe's reader gets it and
// the pipe stays a pipe, the link stays a link and the file it names holds
// the list. A finished file renamed over them replaced them (as root,
// -o /dev/null replaced the device).
func TestExportIntoPipeOrLink(t *testing.T) {
	db := pgtest.New(t)
	if out, stderr, code := run(t, db, "import", "../../testdata/demo/shipments.csv"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if _, stderr, code := run(t, db, "report", "unopened", "--format", "csv", "-o", fifo); code != 0 {
		t.Fatalf("export into a pipe: exit %d\n%s", code, stderr)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi.Mode(), err)
	} else {
		select {
		case b := <-got:
			if !bytes.HasPrefix(b, []byte("id,channel,")) {
				t.Errorf("the pipe's reader got %q, want the list", b)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("the pipe's reader got nothing")
		}
	}
	file := filepath.Join(dir, "lists", "unopened.csv")
	os.Mkdir(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("last week's list\n"), 0o644)
	link := filepath.Join(dir, "latest.csv")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, db, "report", "unopened", "--format", "csv", "-o", link); code != 0 {
		t.Fatalf("export into a link: exit %d\n%s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(file); !bytes.HasPrefix(b, []byte("id,channel,")) {
		t.Errorf("the file the link names holds %q, want the list", b)
	}
}

// Ctrl-C during a long import stores nothing (all or nothing), exits
// non-zero and says so, rather than "stage row N: context canceled".
func TestImportInterruptedSaysNothingWasImported(t *testing.T) {
	db := pgtest.New(t)
	file := filepath.Join(t.TempDir(), "big.csv")
	var b bytes.Buffer
	b.WriteString(header)
	for i := 0; i < 150_000; i++ {
		fmt.Fprintf(&b, "svarut,%08x-0000-4000-8000-%012x,964338531,Byggesak,org,974760673,Brev,true,taushetsbelagt,2026-11-20T10:00:00Z\n", i, i)
	}
	os.WriteFile(file, b.Bytes(), 0o644)
	cmd := exec.Command(bin, "import", file)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var said strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "read 100000 rows") {
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	if err == nil {
		t.Fatalf("an interrupted import exits 0:\n%s", said.String())
	}
	if !strings.Contains(said.String(), "interrupted") || !strings.Contains(said.String(), "nothing was imported") {
		t.Errorf("an interrupted import does not say that nothing was imported:\n%s", said.String())
	}
	if n := countShipments(t, db); n != 0 {
		t.Errorf("%d shipments stored by an interrupted import", n)
	}
}

// `health --once` with POSTVAKT_POLICIES naming a folder that does not
// exist stops, naming it, as serve and escalate do: it used to evaluate
// the default rules in silence, so an operator trying their health.yaml
// with a mistyped path saw a clean run.
func TestHealthOnceMissingPolicyFolder(t *testing.T) {
	db := pgtest.New(t)
	missing := filepath.Join(t.TempDir(), "no-such-folder")
	out, stderr, code := runEnv(t, []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=" + missing}, "health", "--once", "--dry-run")
	if code != 1 || !strings.Contains(stderr, missing) {
		t.Fatalf("health --once with a missing policy folder: exit %d, want 1 naming it\n%s\n%s", code, out, stderr)
	}
}

// A dry run records nothing, so it does not warn that reminders "are
// recorded as failed" without an SMTP relay.
func TestEscalateDryRunDoesNotWarnOfFailedSends(t *testing.T) {
	db := pgtest.New(t)
	if out, stderr, code := run(t, db, "import", "../../testdata/demo/shipments.csv"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	out, stderr, code := run(t, db, "escalate", "--once", "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run, nothing changed") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	if strings.Contains(stderr, "recorded as failed") {
		t.Errorf("a dry run warns of sends recorded as failed:\n%s", stderr)
	}
}

// A command waits up to 30 s for a database that does not answer: it says
// so at once, with the reason, instead of 30 silent seconds at the
// terminal (and never shows the password).
func TestUnreachableDatabaseSaysItWaits(t *testing.T) {
	cmd := exec.Command(bin, "units", "list")
	cmd.Env = append(os.Environ(), "DATABASE_URL=postgres://u:s3cr3t@127.0.0.1:1/postvakt?sslmode=disable")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Scan()
		line <- sc.Text()
	}()
	select {
	case l := <-line:
		if !strings.Contains(l, "waiting") || !strings.Contains(l, "connection refused") || strings.Contains(l, "s3cr3t") {
			t.Errorf("the first line while the database does not answer: %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("nothing said in 5 s while waiting for a database that does not answer")
	}
}

// An export whose -o cannot be created (a folder that does not exist)
// exports nothing and is not audited as an export; one written is.
func TestExportToAnImpossiblePathIsNotAudited(t *testing.T) {
	db := pgtest.New(t)
	if out, stderr, code := run(t, db, "import", "../../testdata/demo/shipments.csv"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	exports := func() int {
		var n int
		if err := openDB(t, db).QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'export'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	missing := filepath.Join(t.TempDir(), "no such folder", "x.csv")
	for _, args := range [][]string{
		{"report", "unopened", "--format", "csv", "-o", missing},
		{"report", "incident", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv", "-o", missing},
	} {
		if _, stderr, code := run(t, db, args...); code != 1 || !strings.Contains(stderr, "no such folder") {
			t.Fatalf("%v: exit %d, want 1 naming the path\n%s", args, code, stderr)
		}
	}
	if n := exports(); n != 0 {
		t.Errorf("%d exports audited for files never written", n)
	}
	if _, stderr, code := run(t, db, "report", "unopened", "--format", "csv", "-o", filepath.Join(t.TempDir(), "x.csv")); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	if n := exports(); n != 1 {
		t.Errorf("%d exports audited after one written, want 1", n)
	}
}
