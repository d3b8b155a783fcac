package remind

import (
	"fmt"
	"strings"
	"testing"
)

// TestTableQuoteErrorNamesWhereItOpened: a quote never closed in a
// contacts (or units) file takes the rest of the file into its field; the
// CSV reader notices at the file's end. The problem names the line the
// quote opened on, as the letters import's does, not the last line of the
// file; a bare quote in a field is named by its line and character.
func TestTableQuoteErrorNamesWhereItOpened(t *testing.T) {
	var rest strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&rest, "974760673,post%d@firma.no\n", i)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"unclosed quote", "orgnr,email\n974760673,\"post@firma.no\n" + rest.String(),
			`line 2: the field that begins here runs over lines to line 32: extraneous or missing " in quoted-field (a quote never closed?)`},
		{"bare quote", "orgnr,email\n974760673,post@firma.no\n974760673,po\"st@firma.no\n",
			`line 3: character 13: bare " in non-quoted-field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseContacts(strings.NewReader(tc.in))
			inv, ok := err.(*InvalidContactsError)
			if !ok || len(inv.Problems) != 1 || inv.Problems[0].Error() != tc.want {
				t.Fatalf("%v (%+v), want the one problem %q", err, inv, tc.want)
			}
		})
	}
}
