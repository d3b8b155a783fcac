package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// From an independent review of the command line: discover's flags that name what every discovered letter is
// registered under (--sender-unit, --class, --system) are checked only
// letter by letter, after the channel was listed: a value no letter can
// take leaves every letter unregistered, and the run exits 0.
func TestCLIDiscoverRefusesAFlagNoLetterCanTake(t *testing.T) {
	s, env := simEnv(t)
	env = append(env, "DATABASE_URL="+pgtest.New(t))
	since := s.Now().Add(-15 * 24 * time.Hour).Format(time.RFC3339)
	until := s.Now().Add(-20 * 24 * time.Hour).Format(time.RFC3339)
	base := []string{"discover", "--channel", "altinn", "--sender-org", "964338531"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"unit is a national id", []string{"--since", since, "--sender-unit", "31129912345"}},
		{"unit too long", []string{"--since", since, "--sender-unit", strings.Repeat("x", 201)}},
		{"class is a national id", []string{"--since", since, "--class", "31129912345"}},
		{"system is a national id", []string{"--since", since, "--system", "31129912345"}},
		{"since after until", []string{"--since", since, "--until", until}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, code := runEnv(t, env, append(append([]string{}, base...), c.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (a wrong usage)\nstdout: %s\nstderr: %.600s", code, out, stderr)
			}
			if strings.Contains(stderr, "31129912345") || strings.Contains(out, "31129912345") {
				t.Errorf("the national id is said unmasked:\n%s\n%.600s", out, stderr)
			}
		})
	}
}

// From an independent review of the command line: a value shaped like a national id, given where an
// organisation number or a shipment id goes, is quoted back unmasked on
// standard error (cron mail, the journal); report --org masks it
// (010170*****), token create and user add --sender-org and policy
// explain do not.
func TestCLIUsageErrorsMaskANationalID(t *testing.T) {
	db := migrated(t)
	const id = "31129912345"
	for _, args := range [][]string{
		{"report", "unopened", "--org", id},
		{"token", "create", "--name", "x", "--role", "admin", "--sender-org", id},
		{"user", "add", "--name", "x", "--role", "admin", "--sender-org", id},
		{"policy", "explain", id},
	} {
		t.Run(strings.Join(args[:2], " ")+" "+args[len(args)-2], func(t *testing.T) {
			out, stderr, code := run(t, db, args...)
			if code == 0 {
				t.Fatalf("exit 0:\n%s", out)
			}
			if strings.Contains(stderr+out, id) {
				t.Errorf("%v: the national id %s is quoted back unmasked (exit %d):\n%s", args, id, code, stderr)
			}
		})
	}
}

// From an independent review of the command line: -o "" is no file: the export fails with exit 1 (not 2, a
// wrong usage) after it was audited as an export, while an -o that
// cannot be written is never audited (TestExportToAnImpossiblePathIsNotAudited).
func TestCLIEmptyOutputPathIsAWrongUsage(t *testing.T) {
	db := pgtest.New(t)
	if out, stderr, code := run(t, db, "import", "../../testdata/demo/shipments.csv"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	for _, args := range [][]string{
		{"report", "unopened", "--format", "csv", "-o", ""},
		{"report", "incident", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv", "-o", ""},
	} {
		if _, stderr, code := run(t, db, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (a wrong usage)\n%s", args, code, stderr)
		}
	}
	var n int
	if err := openDB(t, db).QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'export'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d exports audited, none was written", n)
	}
}

// From an independent review of the command line: README: "-o FILE ... a link's file is replaced, the link
// kept". A link whose file is not there yet (the first run of a cron job
// writing through latest.csv -> /srv/reports/unopened.csv) is replaced by
// a file: the link is lost, and its target never written.
func TestCLIExportThroughADanglingLinkKeepsTheLink(t *testing.T) {
	db := migrated(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "reports", "unopened.csv")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "latest.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, db, "report", "unopened", "--format", "csv", "-o", link); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("-o %s: the link is gone (replaced by a file)", link)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("the link's file was not written: %v", err)
	}
}

// From an independent review of the command line: import --actor is kept in the evidence log as the event's
// actor, shown on the evidence page (evidence.html: {{.Actor}}), unmasked;
// user and token names, --system, units refuse a national id ("names are
// written to the logs"), --actor takes one.
func TestCLIImportActorIsNoNationalID(t *testing.T) {
	db := migrated(t)
	f := filepath.Join(t.TempDir(), "one.csv")
	if err := os.WriteFile(f, []byte(header+"svarut,d6b23522-ddf3-462a-8140-16e59e1f4770,964338531,Barnevernstjenesten,org,974760673,Vedtak,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, db, "import", "--actor", "01017010170", f)
	var n int
	if err := openDB(t, db).QueryRow(`SELECT count(*) FROM shipment_events WHERE actor LIKE '%01017010170%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		t.Errorf("import --actor 01017010170 (exit %d): %d evidence entries name the national id unmasked\n%s", code, n, stderr)
	}
}

// From an independent review of the import: a --system no letter can take
// (a national id, more than 200 characters) is refused once, before the
// file is read (exit 2 naming the flag, the id masked), not on each of
// its rows; nothing is stored.
func TestCLIImportSystemCheckedOnce(t *testing.T) {
	db := migrated(t)
	f := filepath.Join(t.TempDir(), "many.csv")
	var b strings.Builder
	b.WriteString(header)
	for i := range 50 {
		fmt.Fprintf(&b, "svarut,d6b23522-ddf3-462a-8140-%012d,964338531,Barnevernstjenesten,org,974760673,Vedtak,true,taushetsbelagt,2026-11-20T10:00:00+01:00\n", i)
	}
	if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, system := range []string{"01017010170", strings.Repeat("s", 201)} {
		_, stderr, code := run(t, db, "import", "--system", system, f)
		if code != 2 || strings.Count(stderr, "--system") != 1 || strings.Contains(stderr, "line ") || strings.Contains(stderr, "01017010170") {
			t.Errorf("import --system %.20s…: exit %d\n%s", system, code, stderr)
		}
	}
	var n int
	if err := openDB(t, db).QueryRow(`SELECT count(*) FROM shipments`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d letters stored (%v), want none", n, err)
	}
}
