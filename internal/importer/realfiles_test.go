package importer_test

// Import files as municipalities' spreadsheets and case systems write them.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// problemsOf runs an import and returns its problems, one per line. A panic
// (a Go stack dump for the operator) or an error that is not an
// *importer.InvalidError fails the test.
func problemsOf(t *testing.T, run func() (importer.Result, error)) (res importer.Result, all string, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("the import panicked: %v", r)
		}
	}()
	res, err = run()
	var inv *importer.InvalidError
	if err != nil && !errors.As(err, &inv) {
		t.Fatalf("err = %v, want an *importer.InvalidError", err)
	}
	if inv != nil {
		var lines []string
		for _, r := range inv.Rows {
			lines = append(lines, r.Error())
		}
		all = strings.Join(lines, "\n")
	}
	return res, all, err
}

// TestImportQuoteErrorInFirstColumn: a quote error in the first field of a
// data row (a title or sender system put first, an unclosed quote at the
// row's start) is a problem of its line, as a quote error elsewhere is,
// and nothing is stored.
func TestImportQuoteErrorInFirstColumn(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	sysFirst := "sender_system," + header
	cases := []struct{ name, file, want string }{
		{"bare quote in the first column", sysFirst + "Sak \"arkiv\"," + row(1), "line 2"},
		{"stray quote in a quoted first column", sysFirst + "\"Sak \"arkiv\" 2\"," + row(1), "line 2"},
		{"unclosed quote in the first column, last line", header + row(1) + "\"svarut,x\n", "line 3"},
		{"unclosed quote in the first column, runs past the line limit", header + row(1) + "\"svarut" + strings.Repeat("x", 70000) + "\n", "line 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(tc.file), importer.Options{Now: now})
			})
			if err == nil || !strings.Contains(all, tc.want) {
				t.Fatalf("problems %q (err %v), want one on %s", all, err, tc.want)
			}
			if n := count(t, st); n != 0 {
				t.Fatalf("%d shipments stored", n)
			}
		})
	}
}
