package importer_test

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportExcelSepLine: a file whose first line is Excel's separator
// hint (sep=; or sep=,, written by exports meant for Excel so that it
// splits the columns whatever the locale) is read with that separator
// and its header on the next line, which keeps its number; not refused
// as a header "sep=" whose every column is missing.
func TestImportExcelSepLine(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	semi := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(strings.Replace(s, "\"Vedtak, nr", "\"Vedtak; nr", 1), ",", ";"), "\n", "\r\n")
	}
	for _, tc := range []struct {
		name, file string
		sep        rune
	}{
		{"sep=; with a byte-order mark, CRLF", "\ufeffsep=;\r\n" + semi(header+row(1)), ';'},
		{"SEP=, in capitals", "SEP=,\n" + header + row(2), ','},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(tc.file), importer.Options{Now: now})
			})
			if err != nil || res.Created != 1 || res.Separator != tc.sep {
				t.Fatalf("%+v %v: %s", res, err, all)
			}
		})
	}
	// The lines keep their numbers: the first letter is line 3.
	_, all, err := problemsOf(t, func() (importer.Result, error) {
		return importer.Import(ctx, st, strings.NewReader("sep=;\r\n"+semi(header+strings.Replace(row(4), "svarut", "eboks", 1))), importer.Options{Now: now})
	})
	if err == nil || !strings.HasPrefix(all, "line 3, column channel: ") {
		t.Fatalf("problems %q, want one on line 3", all)
	}
}
