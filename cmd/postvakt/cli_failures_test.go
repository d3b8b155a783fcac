package main_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	conn, err := sql.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`ALTER TABLE shipments RENAME TO shipments_gone`); err != nil {
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
