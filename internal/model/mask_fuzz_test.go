package model

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
)

// plainText is input the completeness check below reads without the
// masker's finer rules (JSON escapes, UUIDs): letters, digits, spaces,
// hyphens and JSON punctuation.
var plainText = regexp.MustCompile(`^[a-zA-Z0-9 ,:"{}\[\]-]*$`)

// uuidLike: a UUID's shape, whose digits the masker leaves as they are.
var uuidLike = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// idLeft finds what MaskNationalIDsIn must mask in plain text: a run of
// ten or eleven digits, or six digits, a space or hyphen and four or five,
// that no other digit touches.
var idLeft = regexp.MustCompile(`(^|[^0-9])([0-9]{10,11}|[0-9]{6}[ -][0-9]{4,5})($|[^0-9])`)

// FuzzMaskNationalIDs: masking is complete (no national id's shape is
// left in plain text), stable (masking again changes nothing) and keeps
// valid JSON valid.
func FuzzMaskNationalIDs(f *testing.F) {
	for _, seed := range []string{`Lest av 01029400470`, `{"fnr":01029400470,"cpr":"010180-1234"}`, `0101801234 0101801234`,
		`id 010294 00470 og 0101801234x`, `"\u00300101801234"`, `d6b23522-ddf3-462a-8140-160101801234`, `[1e5,01029400470]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := MaskNationalIDsIn(b)
		if again := MaskNationalIDsIn(out); !bytes.Equal(again, out) {
			t.Fatalf("MaskNationalIDsIn(%q) = %q, masked again %q", b, out, again)
		}
		if json.Valid(b) && !json.Valid(out) {
			t.Fatalf("MaskNationalIDsIn(%q) = %q: no longer JSON", b, out)
		}
		if plainText.Match(b) && !uuidLike.Match(b) {
			if m := idLeft.Find(out); m != nil {
				t.Fatalf("MaskNationalIDsIn(%q) = %q leaves %q", b, out, m)
			}
		}
	})
}
