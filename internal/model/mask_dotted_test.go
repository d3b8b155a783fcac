package model

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMaskNationalIDsInDotted: a case worker writes a national id as
// people do in a note or a comment: with a dot between the date and the
// rest (the form a registration refuses as a CPR number with the wrong
// separator, problem.person_cpr_separator), or with the date written as a
// date (01.01.70-12345, 01.01.1970 12345). The masker left those whole,
// so a note, an incident's note or an audit detail carried the id in
// clear into exports, the API and the evidence. Each is masked, its date
// kept; a number with a dot whose first six digits are no date (123456.7890,
// an amount) and a date followed by a time stay as they are.
func TestMaskNationalIDsInDotted(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"fnr 010170.12345 ringt", "fnr 010170****** ringt"},
		{"cpr 010170.1234.", "cpr 010170.****."},
		{"d-nummer 410170.12345", "d-nummer 410170******"},
		{"fnr 01.01.70-12345", "fnr 01.01.70-*****"},
		{"fnr 01.01.70 12345", "fnr 01.01.70 *****"},
		{"fnr 01.01.1970-12345", "fnr 01.01.1970-*****"},
		{"cpr 01.01.70-1234", "cpr 01.01.70-****"},
		{"cpr 01.01.1970-1234", "cpr 01.01.1970-****"},
		{"fnr 01.01.70 - 12345", "fnr 01.01.70 - *****"},
		// Not ids.
		{"beløp 123456.7890", "beløp 123456.7890"},
		{"beløp 123456.78901", "beløp 123456.78901"},
		{"sendt 01.01.70 1015", "sendt 01.01.70 1015"},
		{"versjon 1.01.01.70-12345", "versjon 1.01.01.70-12345"},
		{"010170.123456", "010170.123456"},
		{"32.13.70-12345", "32.13.70-12345"},
	} {
		if got := string(MaskNationalIDsIn([]byte(tc.in))); got != tc.want {
			t.Errorf("MaskNationalIDsIn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// The Norwegian forms in a SvarUt text (MaskPersonIDsIn), and a JSON
	// number so written stays JSON, as its masked string.
	if got := string(MaskPersonIDsIn([]byte("Lest av 01.01.70 12345 og 010170.12345"))); strings.Contains(got, "12345") {
		t.Errorf("MaskPersonIDsIn left an id: %q", got)
	}
	out := MaskNationalIDsIn([]byte(`{"id":150170.12345}`))
	if !json.Valid(out) || strings.Contains(string(out), "12345") {
		t.Errorf("a JSON number 150170.12345: %s, want valid JSON with it masked", out)
	}
}
