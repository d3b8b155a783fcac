package notice_test

import (
	"strings"
	"testing"

	"postvakt/internal/notice"
	"postvakt/internal/remind"
)

// TestHeaderlessTableNeverQuotesNationalID: a units or contacts file whose
// header row is missing has a row's values where the header should be; the
// problem naming an unknown column must not quote a national id in them
// unmasked (README, CSV import: "A problem that quotes a value back masks
// anything shaped like a national id"; Input limits: contacts and units
// files are "refused by line and column as the letters' are").
func TestHeaderlessTableNeverQuotesNationalID(t *testing.T) {
	cases := []struct {
		name  string
		parse func(string) error
		file  string
	}{
		{"units, no header", func(s string) error { _, err := notice.ParseUnits(strings.NewReader(s)); return err },
			"964338531,Sak 01017012345,a@example.no,b@example.no\n964338531,Barnevern,a@example.no,\n"},
		{"contacts, no header", func(s string) error { _, err := remind.ParseContacts(strings.NewReader(s)); return err },
			"01017012345,ola@example.no\n974760673,post@example.no\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.parse(c.file)
			if err == nil {
				t.Fatal("accepted")
			}
			var all []string
			if r, ok := err.(interface{ Rows() []remind.ContactError }); ok {
				for _, p := range r.Rows() {
					all = append(all, p.Error())
				}
			} else {
				all = append(all, err.Error())
			}
			s := strings.Join(all, "\n")
			t.Logf("%s", s)
			if strings.Contains(s, "01017012345") {
				t.Errorf("a problem quotes the national id 01017012345 unmasked:\n%s", s)
			}
		})
	}
}
