package model

import (
	"encoding/json"
	"testing"
)

// MaskPersonIDsIn masks a Norwegian person id wherever it stands in a
// channel's text, however it is written, and leaves other numbers alone;
// valid JSON stays valid.
func TestMaskPersonIDsIn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Mottaker 01029400470 er registert", "Mottaker 010294***** er registert"},
		{`{"tekst":"Lest eksternt av 01029400470."}`, `{"tekst":"Lest eksternt av 010294*****."}`},
		{"fnr 010294 00470, d-nr 410294\u00a000470, 010294-00470, 010294\u202f00470",
			"fnr 010294******, d-nr 410294*******, 010294******, 010294********"},
		// Touched by letters, underscores and JSON escapes, not by digits.
		{`{"hendelse":"Lest av mottaker:\n01029400470\t"}`, `{"hendelse":"Lest av mottaker:\n010294*****\t"}`},
		{"Vedtak_01029400470.pdf fnr01029400470", "Vedtak_010294*****.pdf fnr010294*****"},
		{`"av\u00a001029400470"`, `"av\u00a0010294*****"`},
		{`"010294\u00a000470"`, `"010294***********"`},
		{`"\u00e5 01029400470"`, `"\u00e5 010294*****"`},
		// Not person ids: organisation numbers, other lengths, two spaces.
		{"org 974760673, id 0102940047, lang 010294004701, 974760673 00470, 010294  00470",
			"org 974760673, id 0102940047, lang 010294004701, 974760673 00470, 010294  00470"},
		{"", ""},
	} {
		if got := string(MaskPersonIDsIn([]byte(tc.in))); got != tc.want {
			t.Errorf("MaskPersonIDsIn(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// An unquoted eleven-digit number in JSON is masked as a string, and the
// JSON stays valid; its other strings are masked too.
func TestMaskPersonIDsInJSONNumber(t *testing.T) {
	in := `{"fnr":41029400470,"tekst":"av 01029400470","n":12,"liste":[41029400470,"x"]}`
	out := MaskPersonIDsIn([]byte(in))
	if !json.Valid(out) {
		t.Fatalf("invalid JSON: %s", out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	if v["fnr"] != "410294*****" || v["tekst"] != "av 010294*****" || v["n"] != 12.0 || v["liste"].([]any)[0] != "410294*****" {
		t.Fatalf("masked %s", out)
	}
}

// TestMaskNationalIDsIn: Danish CPR numbers as well as Norwegian person
// ids; other lengths, and ten digits that are part of a longer number,
// are left alone.
func TestMaskNationalIDsIn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"recipientID":"0101801234","owner":"0101801234"}`, `{"recipientID":"010180****","owner":"010180****"}`},
		{"cpr 010180-1234 og 010180 1234", "cpr 010180-**** og 010180 ****"},
		{"Mottaker 01029400470 er registert", "Mottaker 010294***** er registert"},
		{"cvr 64942212, orgnr 974760673, 123456789012, 12345-1234", "cvr 64942212, orgnr 974760673, 123456789012, 12345-1234"},
		{`\u00a00101801234`, `\u00a0010180****`},
		// A CPR number as an unquoted JSON number becomes its masked
		// string: the JSON stays valid (masked in place it would not).
		{`{"recipientID":101801234,"owner":1010180123,"n":12,"fnr":41029400470}`, `{"fnr":"410294*****","n":12,"owner":"101018****","recipientID":101801234}`},
	} {
		if got := string(MaskNationalIDsIn([]byte(tc.in))); got != tc.want {
			t.Errorf("MaskNationalIDsIn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
