package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"LEST":             "LEST",
		"blåbær":           "blåbær",
		"a\x00b":           `a\x00b`,
		"Latin-1 \xe6\xf8": `Latin-1 \xe6\xf8`,
		"cut \xc3":         `cut \xc3`,
		"ok \\x00 as text": "ok \\x00 as text",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanJSON(t *testing.T) {
	tests := []struct {
		name, in string
		same     bool   // returned unchanged
		contains string // in the result
		raw      bool   // kept as base64
	}{
		{"plain", `{"status":"LEST"}`, true, "", false},
		{"escaped backslash before u0000 is text", `{"a":"\\u0000"}`, true, "", false},
		{"NUL escape", `{"hendelse":"Lest\u0000av mottaker"}`, false, `Lest\\u0000av`, false},
		{"NUL in a key", `{"a\u0000b":1}`, false, `a\\u0000b`, false},
		{"lone surrogate", `{"a":"\ud800x"}`, false, "\ufffdx", false},
		{"a number numeric cannot hold is kept as its text", `{"n":1e1000000,"m":2.5}`, false, `"n":"1e1000000"`, false},
		{"a tiny one too", `[1E-20000]`, false, `["1E-20000"]`, false},
		{"an exponent in a string is no number", `{"s":"e12345"}`, true, "", false},
		{"an ordinary exponent stays a number", `{"n":1.5e300}`, true, "", false},
		{"invalid UTF-8", "{\"a\":\"\xff\xfe\"}", false, "not valid UTF-8", true},
		{"truncated", `{"status":"LE`, false, "not valid JSON", true},
		{"empty", ``, false, "", false},
	}
	for _, tt := range tests {
		got := CleanJSON([]byte(tt.in))
		if tt.in == "" {
			if got != nil {
				t.Errorf("%s: %q", tt.name, got)
			}
			continue
		}
		if !json.Valid(got) {
			t.Errorf("%s: not JSON: %s", tt.name, got)
		}
		if tt.same != (string(got) == tt.in) || !bytes.Contains(got, []byte(tt.contains)) {
			t.Errorf("%s: CleanJSON(%q) = %s", tt.name, tt.in, got)
		}
		if tt.raw {
			var env struct{ Base64 string }
			_ = json.Unmarshal(got, &env)
			if raw, _ := base64.StdEncoding.DecodeString(env.Base64); string(raw) != tt.in {
				t.Errorf("%s: the raw bytes are not kept: %s", tt.name, got)
			}
		}
	}
}

// TestCleanedValuesAreStored writes every cleaned value into the real
// columns: PostgreSQL must take them all.
func TestCleanedValuesAreStored(t *testing.T) {
	st, err := Open(context.Background(), pgtest.New(t), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, in := range []string{`{"a":"\u0000"}`, `{"a\u0000":"\uDFFF"}`, "{\"a\":\"\xff\"}", `{"x":`, "\x00", `"\u0000"`} {
		var ok bool
		if err := st.db.Get(&ok, `SELECT $1::jsonb IS NOT NULL AND $2::text IS NOT NULL`, string(CleanJSON([]byte(in))), CleanText(in)); err != nil || !ok {
			t.Errorf("%q: PostgreSQL refused the cleaned value: %v", in, err)
		}
	}
}

// FuzzCleanedValuesAreStored: whatever bytes a channel sends, PostgreSQL
// takes them once cleaned, in a jsonb column (CleanJSON) and in a text
// column (CleanText), so one letter's answer never rolls back a batch.
func FuzzCleanedValuesAreStored(f *testing.F) {
	for _, seed := range []string{`{"a":"\u0000"}`, `{"a\u0000":"\uDFFF"}`, "{\"a\":\"\xff\"}", `{"x":`, "\x00", `"\u0000"`,
		`{"n":1e1000000}`, `[1E-20000,2]`, `{"n":-0e-99999}`, `{"s":"e12345","n":1e131071}`, `1` + string(bytes.Repeat([]byte("0"), 1200))} {
		f.Add([]byte(seed))
	}
	st, err := Open(context.Background(), pgtest.New(f), 5*time.Second)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	f.Fuzz(func(t *testing.T, b []byte) {
		var ok bool
		if err := st.db.Get(&ok, `SELECT $1::jsonb IS NOT DISTINCT FROM $1::jsonb AND $2::text IS NOT NULL`, nullable(CleanJSON(b)), CleanText(string(b))); err != nil || !ok {
			t.Fatalf("%q: PostgreSQL refused the cleaned value %q: %v", b, CleanJSON(b), err)
		}
	})
}

func nullable(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
