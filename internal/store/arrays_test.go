package store

import (
	"database/sql"
	"testing"

	"github.com/lib/pq"
)

// TestNullTextsAsPQ: nullTexts writes, for every element, the very literal
// pq.Array writes for the same []sql.NullString: quotes and backslashes
// escaped, NULL unquoted, the text "NULL" and the empty text quoted; a nil
// slice is NULL and an empty one {}.
func TestNullTextsAsPQ(t *testing.T) {
	for _, a := range [][]sql.NullString{
		nil,
		{},
		{{}},
		{{String: "", Valid: true}},
		{{String: "NULL", Valid: true}, {}, {String: "null", Valid: true}},
		{{String: `{"a": "b\"c", "d": "e\\f"}`, Valid: true}, {String: `\`, Valid: true}, {String: `"`, Valid: true}},
		{{String: "{x,y} 'z'\n\tæøå \u2028 \x00", Valid: true}, {String: "2026-12-01T13:00:00.123456789Z", Valid: true}},
		{{String: `""\\""`, Valid: true}, {String: "ignored", Valid: false}},
	} {
		want, err := pq.Array(a).Value()
		if err != nil {
			t.Fatal(err)
		}
		got, err := nullTexts(a).Value()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%+v: got %#v, want %#v", a, got, want)
		}
	}
}
