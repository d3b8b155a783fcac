package channel

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var historyFacts = Facts{"id": nil, "status": nil, "history": {"status": nil, "at": nil}}

func TestFactsKeep(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want "" = not kept
	}{
		{"scalars kept, the rest not", `{"id":"a","status":"READ","title":"Vedtak"}`, `{"id":"a","status":"READ"}`},
		{"any case, under the name sent", `{"ID":"a","Status":"READ"}`, `{"ID":"a","Status":"READ"}`},
		{"numbers, booleans and null as sent", `{"id":1.50,"status":null}`, `{"id":1.50,"status":null}`},
		{"an object where a scalar belongs", `{"id":"a","status":{"title":"Vedtak"}}`, `{"id":"a"}`},
		{"an array where a scalar belongs", `{"id":["a","Vedtak"]}`, `{}`},
		{"nested facts reduced", `{"history":[{"status":"READ","at":"t","title":"Vedtak"}]}`, `{"history":[{"at":"t","status":"READ"}]}`},
		{"deeper content dropped", `{"history":[{"status":{"title":"Vedtak"},"at":"t"}]}`, `{"history":[{"at":"t"}]}`},
		{"an entry that is no object is null", `{"history":["Vedtak",{"status":"READ"},3]}`, `{"history":[null,{"status":"READ"},null]}`},
		{"an object where a history belongs", `{"history":{"status":"READ","title":"Vedtak"}}`, `{"history":{"status":"READ"}}`},
		{"a scalar where a history belongs", `{"history":"READ"}`, `{"history":"READ"}`},
		{"an array is no object", `[{"status":"READ","title":"Vedtak"}]`, ""},
		{"not JSON", `{"id":`, ""},
		{"not an object", `"READ"`, ""},
		{"empty", ``, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := historyFacts.Keep([]byte(tc.in))
			if tc.want == "" {
				if ok {
					t.Fatalf("Keep(%s) = %s, want not kept", tc.in, got)
				}
				return
			}
			if !ok || !jsonEqual(got, []byte(tc.want)) {
				t.Fatalf("Keep(%s) = %s %v, want %s", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestFactsKeepEach(t *testing.T) {
	entry := Facts{"status": nil, "at": nil}
	got, ok := entry.KeepEach([]byte(` [{"status":"READ","title":"Vedtak"},"Vedtak",{"at":{"t":1}}]`))
	if want := `[{"status":"READ"},null,{}]`; !ok || !jsonEqual(got, []byte(want)) {
		t.Errorf("KeepEach = %s %v, want %s", got, ok, want)
	}
	if got, ok := entry.KeepEach([]byte(`{"status":"READ"}`)); ok {
		t.Errorf("KeepEach of an object = %s, want not kept", got)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// FuzzFactsKeep: whatever a channel sends, what Keep keeps is valid JSON
// in which every key is a named fact at its depth and every value a scalar
// or a named fact's object or array: a title nested anywhere else is gone.
func FuzzFactsKeep(f *testing.F) {
	for _, seed := range []string{`{"id":"a","status":"READ","title":"Vedtak"}`, `{"history":[{"status":{"x":1},"at":"t"},"y"]}`,
		`{"Status":1e1000,"ID":"\u0000"}`, `{"hiſtory":[{"ſtatus":"x"}]}`, `{"id":"a","id":{"t":1}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := historyFacts.Keep(raw)
		if !ok {
			return
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(got))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil || dec.More() {
			t.Fatalf("Keep(%q) = %q: not JSON: %v", raw, got, err)
		}
		checkFacts(t, historyFacts, v, raw)
	})
}

func checkFacts(t *testing.T, f Facts, v any, raw []byte) {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			sub, named := f.lookup(k)
			if !named {
				t.Fatalf("Keep(%q) keeps %q, no fact", raw, k)
			}
			switch val.(type) {
			case map[string]any, []any:
				if sub == nil {
					t.Fatalf("Keep(%q) keeps %q as %v, not a scalar", raw, k, val)
				}
				checkFacts(t, sub, val, raw)
			}
		}
	case []any:
		for _, it := range v {
			if it == nil {
				continue
			}
			m, isObj := it.(map[string]any)
			if !isObj {
				t.Fatalf("Keep(%q): an entry %v that is no object", raw, it)
			}
			checkFacts(t, f, m, raw)
		}
	default:
		if !strings.ContainsAny(string(raw), "[{") {
			t.Fatalf("Keep(%q) kept %v of no object", raw, v)
		}
	}
}

func TestFactsHolds(t *testing.T) {
	for ev, want := range map[string]bool{
		`{"id":"a","status":"READ"}`:                    true,
		`{"history":[{"status":"READ"},null]}`:          true,
		`{"id":1.50}`:                                   true,
		`{"id":"a","title":"Vedtak"}`:                   false,
		`{"history":[{"status":"READ","x":1}]}`:         false,
		`{"id":{"t":1}}`:                                false,
		string(Unreadable([]byte(`{"title":"Vedtak"`))): true,
		`[{"status":"READ"}]`:                           true,
		`[{"id":"a"},null]`:                             true,
		`[{"id":"a","title":"Vedtak"}]`:                 false,
		`not JSON`:                                      false,
	} {
		if got := historyFacts.Holds([]byte(ev)); got != want {
			t.Errorf("Holds(%s) = %v, want %v", ev, got, want)
		}
	}
}
