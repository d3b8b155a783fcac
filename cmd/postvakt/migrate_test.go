package main_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/pgtest"
	"postvakt/migrations"
)

// TestMigrateReportsEachMigration: `postvakt migrate` on an empty database
// writes a line per migration as it applies it, each embedded migration
// once and in version order ("migrating 00020_poll_queue … done in 9.1s",
// on standard error), and then "database at <newest> (<n> applied)", the
// only line on standard output. Run again, it applies nothing and writes only
// "database at <newest>, nothing to apply".
func TestMigrateReportsEachMigration(t *testing.T) {
	url := pgtest.Empty(t)
	db := url

	var want []string // every embedded migration, by its file name, in order
	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			want = append(want, n)
		}
	}
	latest, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}

	stdout, stderr, code := run(t, db, "migrate")
	if code != 0 {
		t.Fatalf("migrate on an empty database: exit %d\n%s", code, stderr)
	}
	line := regexp.MustCompile(`^migrating (\d{5}_[a-z0-9_]+) … done in [0-9.]+(ms|s|m[0-9.]+s)$`)
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not a progress line: %q", l)
			continue
		}
		got = append(got, m[1])
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("migrations reported:\n%v\nwant each embedded one once, in order:\n%v", got, want)
	}
	if final := fmt.Sprintf("database at %05d (%d applied)\n", latest, len(want)); stdout != final {
		t.Errorf("standard output %q, want only the final line %q", stdout, final)
	}

	// Up to date: one line, nothing per migration.
	stdout, stderr, code = run(t, db, "migrate")
	if want := fmt.Sprintf("database at %05d, nothing to apply\n", latest); code != 0 || stdout != want || stderr != "" {
		t.Errorf("migrate again: exit %d, stdout %q, stderr %q; want only %q", code, stdout, stderr, want)
	}
}
