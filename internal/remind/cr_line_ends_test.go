package remind

import (
	"errors"
	"strings"
	"testing"

	"postvakt/internal/i18n"
)

// TestTableCRLineEnds: a contacts or units file with lines ending in CR
// alone (an old Mac export) read as one header line, and was refused with
// a problem per cell ("unknown column", "column 7 has no name", "missing
// column"), none saying why. It is refused once, naming the line ends, as
// the letters' import refuses it.
func TestTableCRLineEnds(t *testing.T) {
	for _, c := range []struct {
		name, file string
		columns    []string
	}{
		{"contacts", "orgnr,email\r974760673,post@example.no\r910000001,a@example.no\r", ContactColumns},
		{"units", "sender_org,unit,contact_email,manager_email\r964338531,A,a@example.no,\r", []string{"sender_org", "unit", "contact_email", "manager_email"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			problems, err := ReadTable(strings.NewReader(c.file), c.columns, func(int, func(string) string, func(string, i18n.Phrase)) {})
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 || problems[0].Reason.Key != "problem.cr_line_ends" {
				t.Errorf("problems %v, want one naming the CR line ends", problems)
			}
		})
	}
	_, err := ParseContacts(strings.NewReader("orgnr,email\r974760673,post@example.no\r"))
	var inv *InvalidContactsError
	if !errors.As(err, &inv) || len(inv.Problems) != 1 || !strings.Contains(inv.Problems[0].Error(), "carriage return alone") {
		t.Errorf("ParseContacts: %v, want one problem naming the carriage return", err)
	}
}
