package migrations_test

import (
	"io/fs"
	"os"
	"strings"
	"testing"

	"postvakt/migrations"
)

// README's Upgrading, item 2, names every migration that does not run in
// one transaction (goose NO TRANSACTION, for CREATE INDEX CONCURRENTLY):
// only those can be left half-done by a kill, and only those wait for
// every older transaction under a short lock_timeout (item 3). A new one
// missing from the sentence fails here, naming it.
func TestReadmeNamesTheMigrationsOutsideATransaction(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sentence, ok := strings.Cut(string(b), "Each migration is one transaction but ")
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
