package remind

import (
	"strings"
	"testing"
)

// TestParseContactsRepeatedRow: a row repeating an earlier one (the same
// organisation and address: two exports joined, a line copied twice) is
// that address once, as it is stored: `contacts import` and its audit
// record said "3 addresses" of a file holding two.
func TestParseContactsRepeatedRow(t *testing.T) {
	cs, err := ParseContacts(strings.NewReader("orgnr,email\n974760673,post@firma.no\n974760673,faktura@firma.no\n974760673, post@firma.no\n964338531,post@firma.no\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Org+" "+c.Email)
	}
	if want := "974760673 post@firma.no|974760673 faktura@firma.no|964338531 post@firma.no"; strings.Join(got, "|") != want {
		t.Fatalf("contacts %q, want %q", strings.Join(got, "|"), want)
	}
}
