package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/importer"
	"postvakt/internal/spreadsheet"
)

// TestWindows1252FirstLetterAtSniffEdge: an Excel "CSV (comma
// delimited)" file (Windows-1252, CRLF) whose first æ/å/Å is byte 65,535,
// the last of the 64 KiB spreadsheet.Open sniffs. The web import decides the
// encoding from the whole file (EncodingOf: Windows-1252) and passes it, as
// a user does with `postvakt import --encoding windows-1252` after the
// auto-detected run told them to. README ("here the whole file decides, so
// an Excel file whose first `æ` comes after hundreds of rows is
// Windows-1252 too"). The file is refused instead, "the file is UTF-8 ("�"
// on line N) ... import it without --encoding", and without --encoding it
// is refused as not UTF-8, pointing back to --encoding windows-1252.
func TestWindows1252FirstLetterAtSniffEdge(t *testing.T) {
	ctx := context.Background()
	for _, letter := range []byte{0xE6 /* æ */, 0xE5 /* å */, 0xC5 /* Å */} {
		t.Run(fmt.Sprintf("%02X", letter), func(t *testing.T) {
			st := openStore(t)
			crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
			last := crlf(strings.Replace(row(0), "Barnevernstjenesten", string([]byte{letter})+"rum", 1))
			unitAt := strings.Index(last, string([]byte{letter})+"rum") // where the letter stands in the last row
			var b bytes.Buffer
			b.WriteString(crlf(header))
			for i := 1; b.Len()+2*len(crlf(row(i))) < 65535-unitAt; i++ {
				b.WriteString(crlf(row(i)))
			}
			filler := crlf(row(99999))
			filler = strings.Replace(filler, "Vedtak", "Vedtak"+strings.Repeat("x", 65535-unitAt-b.Len()-len(filler)), 1)
			b.WriteString(filler)
			b.WriteString(last)
			data := b.Bytes()
			if data[65535] != letter || bytes.IndexFunc(data[:65535], func(r rune) bool { return r > 127 }) >= 0 {
				t.Fatalf("byte 65535 is %02X", data[65535])
			}
			enc := spreadsheet.EncodingOf(data)
			if enc != importer.EncodingWindows1252 {
				t.Fatalf("EncodingOf = %s", enc)
			}
			_, auto, _ := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, bytes.NewReader(data), importer.Options{Now: now})
			})
			t.Logf("without --encoding: %s", auto)
			res, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, bytes.NewReader(data), importer.Options{Now: now, Encoding: enc})
			})
			if err != nil {
				t.Fatalf("a Windows-1252 file, read as Windows-1252, refused (res %+v): %v\n%s", res, err, all)
			}
		})
	}
}
