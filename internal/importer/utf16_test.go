package importer_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"

	"postvakt/internal/importer"
)

// TestImportRefusesUTF16WithoutMark: a file in UTF-16 without a
// byte-order mark (SQL Server's bcp -w, .NET's Encoding.Unicode written
// without its preamble) is refused as UTF-16, one problem at line 1, not
// read as UTF-8 into twenty problems of a header whose every column is
// missing and unknown. Nothing is stored.
func TestImportRefusesUTF16WithoutMark(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	encode := func(s string, bigEndian bool) string {
		var b []byte
		for _, c := range utf16.Encode([]rune(s)) {
			if bigEndian {
				b = append(b, byte(c>>8), byte(c))
			} else {
				b = append(b, byte(c), byte(c>>8))
			}
		}
		return string(b)
	}
	text := strings.ReplaceAll(header+row(1)+row(2), "\n", "\r\n")
	for _, tc := range []struct {
		name string
		be   bool
	}{{"little-endian", false}, {"big-endian", true}} {
		t.Run(tc.name, func(t *testing.T) {
			_, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(encode(text, tc.be)), importer.Options{Now: now})
			})
			if err == nil || strings.Count(all, "\n") != 0 || !strings.HasPrefix(all, "line 1: the file is UTF-16") {
				t.Fatalf("problems %q (err %v), want one: line 1, the file is UTF-16", all, err)
			}
			if n := count(t, st); n != 0 {
				t.Fatalf("%d shipments stored", n)
			}
		})
	}
}
