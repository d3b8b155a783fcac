package svarut

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestHasKeyAsDecoding: hasKey accepts exactly the answers that decode as
// a JSON object with the key among its top-level keys (a map's keys: as
// written, unescaped, case kept), and refuses the others with the
// decoder's own error.
func TestHasKeyAsDecoding(t *testing.T) {
	const key = "hendelser"
	for _, body := range []string{
		`{"hendelser":[]}`,
		` {"hendelser" : null} `,
		"\n{\"a\":1,\r\n\t\"hendelser\":{}}",
		`{"\u0068endelser":[]}`,
		`{"hendelse\"r":[]}`,
		`{"a":"hendelser"}`,
		`{"a":["hendelser"],"b":{"hendelser":1}}`,
		`{"a":{"hendelser":1}}`,
		`{"a":"\\","hendelser":1}`,
		`{"a":"x\"y","hendelser":1}`,
		`{"a":"\\\"","b":{"c":["\"hendelser\":"]}}`,
		`{"Hendelser":[]}`,
		`{"hendelser":[] , "hendelser":1}`,
		`{"hendelser":[]}x`,
		`{"hendelser":[]`,
		`{}`, `null`, `[]`, `["hendelser"]`, `"hendelser"`, `1`, ``, `{"hendelser"}`,
		`[{"hendelser":1}]`,
		"{\"hendelser\":\"\xff\"}",
		"{\"hendelser\xff\":1}",
	} {
		var doc map[string]json.RawMessage
		want := json.Unmarshal([]byte(body), &doc)
		if _, ok := doc[key]; want == nil && !ok {
			want = fmt.Errorf("no %q in the answer", key)
		}
		got := hasKey([]byte(body), key)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: hasKey says %v, decoding says %v", body, got, want)
		}
	}
}

// TestTopKeyFindsWithoutDecoding: the walk itself finds the key in the
// answers SvarUt gives (and written escaped, or after other fields'
// strings with escapes), so those are never decoded.
func TestTopKeyFindsWithoutDecoding(t *testing.T) {
	for _, body := range []string{
		`{"hendelser":[{"hendelse":"Lest av mottaker","tidspunkt":"2026-11-30T10:28:15.156+01:00"}]}`,
		"{\n  \"hendelser\" : [ ]\n}",
		`{"\u0068endelser":[]}`,
		`{"a":"x\"}","b":["\\"],"hendelser":[]}`,
	} {
		if !topKey([]byte(body), "hendelser") {
			t.Errorf("%s: key not found by the walk", body)
		}
	}
}
