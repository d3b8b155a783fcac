package i18n

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A phrase kept as JSON reads back as it was: its arguments in their
// order, strings, whole numbers, booleans and phrases among them; and one
// written before the store kept i18n.Phrase (print_manual.why of then:
// {"key":…,"args":{"Name":"value"}}) reads back as the same phrase.
func TestPhraseJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Phrase
		json string
	}{
		{"no arguments", P("manual.detail.purged"), `{"key":"manual.detail.purged"}`},
		{"strings in order", P("manual.detail.subunit_of", "Parent", "910002384", "Orgnr", "974760673"),
			`{"key":"manual.detail.subunit_of","args":{"Parent":"910002384","Orgnr":"974760673"}}`},
		{"number, boolean, phrase", P("x.count", "Count", 3, "On", true, "Rate", 0.5, "What", P("y.what", "Name", `a "b"`)),
			`{"key":"x.count","args":{"Count":3,"On":true,"Rate":0.5,"What":{"key":"y.what","args":{"Name":"a \"b\""}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.p)
			if err != nil || string(b) != tc.json {
				t.Fatalf("encoded %s, %v; want %s", b, err, tc.json)
			}
			var got Phrase
			if err := json.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, tc.p) {
				t.Errorf("decoded %#v, %v; want %#v", got, err, tc.p)
			}
		})
	}

	// A row of before, as print_manual.why kept it (Go's map order).
	var old []Phrase
	if err := json.Unmarshal([]byte(`[{"key":"manual.detail.subunit_of","args":{"Orgnr":"974760673","Parent":"910002384"}},
		{"key":"manual.detail.bankrupt","args":{"Orgnr":"910002384"}}, {"key":"manual.detail.person"}]`), &old); err != nil {
		t.Fatal(err)
	}
	want := []Phrase{P("manual.detail.subunit_of", "Orgnr", "974760673", "Parent", "910002384"),
		P("manual.detail.bankrupt", "Orgnr", "910002384"), P("manual.detail.person")}
	if !reflect.DeepEqual(old, want) {
		t.Errorf("a row of before decoded %#v, want %#v", old, want)
	}
	if got := english.Say(old[0], ""); got != "sub-unit 974760673 belongs to 910002384" {
		t.Errorf("a row of before says %q", got)
	}

	// What cannot be kept fails, not a phrase that says something else.
	if b, err := json.Marshal(P("x", "When", time.Now())); err == nil || !strings.Contains(err.Error(), "time.Time") {
		t.Errorf("a time argument encoded as %s, %v; want an error", b, err)
	}
	for _, bad := range []string{`{"key":"x","args":["a","b"]}`, `{"key":"x","args":{"a":[1]}}`, `{"key":"x","args":{"a":`} {
		var p Phrase
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("%s decoded as %#v, want an error", bad, p)
		}
	}
}
