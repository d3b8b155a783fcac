package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// From an independent review of the command line: `report unopened -o
// ulest.xlsx`, --format left out, wrote CSV text into ulest.xlsx (the
// default format is csv), which Excel refuses to open ("the file format or
// extension is not valid"), and exited 0, audited as an export; --format
// json -o list.csv the same. An -o named .csv, .xlsx or .json that is not
// the format written is a wrong usage (exit 2) saying which to give,
// before anything is written or audited.
func TestExportFileNamedForAnotherFormatIsAWrongUsage(t *testing.T) {
	dir := t.TempDir()
	env := []string{"DATABASE_URL="}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "unopened", "-o", filepath.Join(dir, "ulest.xlsx")}, "--format xlsx"},
		{[]string{"report", "problems", "--format", "json", "-o", filepath.Join(dir, "list.CSV")}, "--format csv"},
		{[]string{"report", "incident", "--from", "2026-01-01", "--to", "2026-02-01", "--format", "xlsx", "-o", filepath.Join(dir, "hendelse.json")}, "--format json"},
	} {
		out, stderr, code := runLimited(t, env, tc.args...)
		if code != 2 || out != "" || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "usage: postvakt report") && !strings.Contains(stderr, "postvakt help report") {
			t.Errorf("%v: exit %d, want 2 saying %s\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.want, out, stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
	// A name of no format, or of the format written, is taken as before.
	db := migrated(t)
	for _, args := range [][]string{
		{"report", "unopened", "--format", "xlsx", "-o", filepath.Join(dir, "ulest.xlsx")},
		{"report", "unopened", "-o", filepath.Join(dir, "ulest.txt")},
		{"report", "unopened", "--format", "json", "-o", filepath.Join(dir, "ulest")},
	} {
		if _, stderr, code := run(t, db, args...); code != 0 {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
}
