package model

import (
	"strings"
	"testing"
)

// TestMaskNationalIDsInSeparators: separators met in free text (error
// details, history texts) that the masker sees through, for both forms: a
// no-break space, an en dash, a spaced hyphen, a slash.
func TestMaskNationalIDsInSeparators(t *testing.T) {
	for _, tc := range []struct{ in, secret string }{
		{"cpr 010180\u00a01234", "1234"},
		{"cpr 010180\u20131234", "1234"},
		{"fnr 010170\u201312345", "12345"},
		{"cpr 010180 - 1234", "1234"},
		// A slash, as some write a CPR number (refused as a recipient,
		// but quoted in that problem).
		{"cpr 010180/1234", "1234"},
		{"fnr 010170/12343", "12343"},
		{`{"channel_id":"010180/1234"}`, `1234"}`},
		{`{"channel_id":"010180\/1234"}`, `1234"}`}, // JSON's escaped slash
	} {
		if out := string(MaskNationalIDsIn([]byte(tc.in))); strings.HasSuffix(out, tc.secret) {
			t.Errorf("%q left unmasked: %q", tc.in, out)
		}
	}
}
