package migrations_test

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"postvakt/migrations"
)

// readme is the project's README, the text these tests hold to what the
// migrations and the commands do.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// README's Upgrading, item 2, names every migration that does not run in
// one transaction (goose NO TRANSACTION, for CREATE INDEX CONCURRENTLY):
// only those can be left half-done by a kill, and only those wait for
// every older transaction under a short lock_timeout (item 3). A new one
// missing from the sentence fails here, naming it.
func TestReadmeNamesTheMigrationsOutsideATransaction(t *testing.T) {
	doc := readme(t)
	_, sentence, ok := strings.Cut(doc, "Each migration is one transaction but ")
	if !ok {
		t.Fatal(`README's Upgrading no longer says "Each migration is one transaction but …"`)
	}
	sentence, _, _ = strings.Cut(sentence, ":")
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, name := range names {
		text, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), "-- +goose NO TRANSACTION") {
			continue
		}
		found++
		if version, _, _ := strings.Cut(name, "_"); !strings.Contains(sentence, version) {
			t.Errorf("%s runs outside a transaction, but README's Upgrading (item 2) names only %q", name, sentence)
		}
	}
	if found == 0 {
		t.Fatal("no migration outside a transaction found: has the goose annotation changed?")
	}
}

// README shows what a migrated database and a started serve say of the
// schema: `migrate`'s `database at 00049 (47 applied)` and `database at
// 00049, nothing to apply`, `postvakt version`'s `schema 00049` and serve's
// start line `schema=49`. Each must be the newest migration this release
// carries (and the count how many it carries), or an operator comparing
// the output with the README sees a release behind; a migration added
// without the README fails here, naming the line.
func TestReadmeShowsTheNewestSchema(t *testing.T) {
	doc := readme(t)
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no migrations embedded")
	}
	newest, _, _ := strings.Cut(names[len(names)-1], "_")
	number, err := strconv.Atoi(newest)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		shown *regexp.Regexp
		want  string
	}{
		{regexp.MustCompile(`database at \d+ \(\d+ applied\)`), fmt.Sprintf("database at %s (%d applied)", newest, len(names))},
		{regexp.MustCompile(`database at \d+, nothing to apply`), fmt.Sprintf("database at %s, nothing to apply", newest)},
		{regexp.MustCompile("`schema \\d+`"), fmt.Sprintf("`schema %s`", newest)},
		{regexp.MustCompile(`postvakt serving addr=\S+ schema=\d+`), fmt.Sprintf("schema=%d", number)},
	}
	for _, c := range checks {
		found := c.shown.FindAllString(doc, -1)
		if len(found) == 0 {
			t.Errorf("README no longer shows %q: has its wording changed?", c.want)
		}
		for _, f := range found {
			if !strings.HasSuffix(f, c.want) {
				t.Errorf("README shows %q; this release says %q", f, c.want)
			}
		}
	}
}

// README's Upgrading, item 5, gives goose's command for going back. goose
// reads neither DATABASE_URL nor DATABASE_URL_FILE: the command must hand
// it the URL however Deploy gave it, directly or in a file (Deploy's own
// example exports DATABASE_URL_FILE only), or goose, given "", tries a
// local PostgreSQL as the login user. The command runs here as written
// with goose replaced by a function printing the URL it was given.
func TestReadmeGooseDownGetsTheDatabaseURL(t *testing.T) {
	doc := readme(t)
	m := regexp.MustCompile("`(goose -dir migrations postgres [^`]*down-to N)`").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("README's Upgrading no longer shows `goose -dir migrations postgres … down-to N`")
	}
	const want = "postgres://postvakt:secret@db.example/postvakt?sslmode=verify-full"
	file := filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(file, []byte(want+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range [][]string{
		{"DATABASE_URL=" + want},
		{"DATABASE_URL_FILE=" + file},
	} {
		cmd := exec.Command("bash", "-c", `goose() { printf '%s\n' "$4"; }; `+strings.Replace(m[1], "down-to N", "down-to 46", 1))
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("README's `%s` with %s hands goose the URL %q (%v); want %q", m[1], env[0], strings.TrimSpace(string(out)), err, want)
		}
	}
}
