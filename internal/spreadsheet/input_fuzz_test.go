package spreadsheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzOpen: whatever file a user imports, in either encoding, it is read
// as UTF-8 text without a byte-order mark that a CSV reader takes, or
// refused with a problem naming its line (from 1) and saying what it is;
// never a panic.
func FuzzOpen(f *testing.F) {
	for _, seed := range []string{"channel;channel_id\nsvarut;x\n", "\xEF\xBB\xBFa,b\n1,2", "a\tb\n\xe6\xf8\xe5\t\x81\n", "PK\x03\x04",
		"\xFF\xFEa", "a,\"b\nc\"\n", "x\x00y\n", "\xc3\xa6\xe6\n"} {
		f.Add([]byte(seed), "auto")
		f.Add([]byte(seed), "windows-1252")
	}
	f.Fuzz(func(t *testing.T, b []byte, encoding string) {
		if encoding != "auto" && encoding != "utf-8" && encoding != "windows-1252" {
			return
		}
		in, err := Open(bytes.NewReader(b), encoding, 64)
		if err == nil {
			var text []byte
			text, err = io.ReadAll(in)
			if err == nil {
				if !utf8.Valid(text) || bytes.HasPrefix(text, []byte("\xEF\xBB\xBF")) {
					t.Fatalf("Open(%q, %s) gave %q: not UTF-8 text without a byte-order mark", b, encoding, text)
				}
				cr := csv.NewReader(bytes.NewReader(text))
				cr.Comma, cr.FieldsPerRecord = in.Separator, -1
				if !validSeparator(in.Separator) {
					t.Fatalf("Open(%q, %s): separator %q a CSV reader does not take", b, encoding, in.Separator)
				}
				_, _ = cr.ReadAll()
				return
			}
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line < 1 || fe.Message == "" {
			t.Fatalf("Open(%q, %s): %v (%T), want a problem naming its line", b, encoding, err, err)
		}
	})
}

// validSeparator is encoding/csv's own rule for a Comma.
func validSeparator(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}
