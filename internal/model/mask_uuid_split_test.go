package model

import (
	"fmt"
	"strings"
	"testing"
)

// TestUUIDAfterSixDigits: the second part of a "6 + separator + 5"
// person id (or "6 + separator + 4" CPR) is checked by inUUID too: a UUID
// whose first group starts with five (four) digits, after a six-digit
// number and a space or hyphen, keeps those digits.
func TestUUIDAfterSixDigits(t *testing.T) {
	const u = "12345abc-e29b-41d4-a716-446655440000"
	const u4 = "1234abcd-e29b-41d4-a716-446655440000"
	for _, c := range []struct{ name, in, keep string }{
		{"nb: journal number then UUID", `{"melding":"Sak 240115 ` + u + `"}`, u},
		{"dk: number-UUID", `{"msg":"ref 240115-` + u4 + `"}`, u4},
	} {
		out := string(MaskNationalIDsIn([]byte(c.in)))
		if !strings.Contains(out, c.keep) {
			t.Errorf("%s: %s -> %s: the UUID is not whole", c.name, c.in, out)
		}
	}
}

// TestUUIDEdges: a UUID at the very start and end of the text.
func TestUUIDEdges(t *testing.T) {
	u := "00000000-0000-4000-8000-a01029400470"
	for _, in := range []string{u, "x " + u, u + " x", "0" + u} {
		out := string(MaskPersonIDsIn([]byte(in)))
		t.Logf("%q -> %q", in, out)
	}
	if out := string(MaskPersonIDsIn([]byte(u))); out != u {
		t.Errorf("UUID alone at buffer edges masked: %s", out)
	}
	if out := string(MaskPersonIDsIn([]byte("01029400470-" + u))); strings.HasPrefix(out, "01029400470") {
		t.Errorf("an id next to a UUID stays: %s", out)
	}
}

func body(n int) []byte {
	var b strings.Builder
	b.WriteString(`[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"0b6d3c5e-1f2a-4b3c-8d4e-%012d","status":"LEST","sendt":"2026-11-%02dT10:%02d:%02d.123+01:00","mottaker":{"orgnr":"974760673","postnr":"5003"},"historikk":[{"tid":"2026-11-20T10:01:02","tekst":"Lest eksternt av 01029400470"}]}`, i, i%28+1, i%60, i%60)
	}
	b.WriteString(`]`)
	return []byte(b.String())
}
