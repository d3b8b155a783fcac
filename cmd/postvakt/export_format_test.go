package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"postvakt/internal/report"
)

// TestExportFormat: `report` and `report incident` take csv, xlsx or json;
// an unknown format, and XLSX to standard output when that is a terminal
// (a character device), are usage errors; XLSX to a file or a pipe is not.
func TestExportFormat(t *testing.T) {
	tty, err := os.Open(os.DevNull) // a character device, as a terminal is
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, tc := range []struct {
		name, format, out string
		stdout            *os.File
		want              report.Format // "": a usage error
	}{
		{"csv to a terminal", "csv", "-", tty, report.CSV},
		{"json to a terminal", "json", "-", tty, report.JSON},
		{"xlsx to a terminal", "xlsx", "-", tty, ""},
		{"xlsx to -o FILE", "xlsx", "list.xlsx", tty, report.XLSX},
		{"xlsx to a redirected stdout", "xlsx", "-", file, report.XLSX},
		{"unknown", "pdf", "list.pdf", file, ""},
	} {
		got, err := exportFormat(tc.format, tc.out, tc.stdout)
		var u usageError
		switch {
		case tc.want == "" && !errors.As(err, &u):
			t.Errorf("%s: %q, %v; want a usage error", tc.name, got, err)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
