package importer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportMasksNationalIDsWithInvisibleCharacters: a national id copied
// from a PDF or a web page may carry a soft hyphen, a zero-width space or
// a byte-order mark between its digits, which the masker, reading digits,
// did not see as one id: a problem quoting the value back (an unknown
// channel, not a time, not a boolean) showed the whole number, as the
// quote writes the invisible character as an escape between the digits.
// The value is quoted masked, without the invisible character.
func TestImportMasksNationalIDsWithInvisibleCharacters(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	swap := func(r, from, to string) string { return strings.Replace(r, from, to, 1) }
	cases := []struct {
		name, file, column string
	}{
		{"zero-width space in the channel", header + swap(row(1), "svarut,", "010170\u200b12345,"), "channel"},
		{"soft hyphen in sent_at", header + swap(row(2), "2026-11-20T10:00:00+01:00", "010170\u00ad12345"), "sent_at"},
		{"byte-order mark in confidential", header + swap(row(3), ",true,", ",0101\ufeff7012345,"), "confidential"},
		{"word joiner in recipient_kind", header + swap(row(4), ",org,", ",01017\u20600-1234,"), "recipient_kind"},
		{"zero-width space in channel_id", header + swap(row(5), "00000000-0000-4000-8000-000000000005", "010170\u200b12345"), "channel_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := importer.Import(ctx, st, strings.NewReader(c.file), importer.Options{Now: now})
			var inv *importer.InvalidError
			if !errors.As(err, &inv) || len(inv.Rows) == 0 {
				t.Fatalf("import: %v, want a problem", err)
			}
			for _, r := range inv.Rows {
				msg := r.Error()
				if r.Column != c.column || !strings.Contains(msg, "*") {
					t.Errorf("problem %q, want one of column %s quoting the value masked", msg, c.column)
				}
				if strings.Contains(msg, "12345") || strings.Contains(msg, "1234\"") {
					t.Errorf("problem %q shows the national id", msg)
				}
			}
		})
	}
}
