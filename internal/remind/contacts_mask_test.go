package remind

import (
	"strings"
	"testing"
)

// TestContactProblemsMaskNationalIDs: a contacts file whose email cell
// holds a national id (a column mixed up in the case system's export) is
// refused by line and column, as before, and the problem that quotes the
// address back masks the id, as the letters import's problems do: the
// command prints it to stderr (the journal), the UI shows it.
func TestContactProblemsMaskNationalIDs(t *testing.T) {
	for _, tc := range []struct{ email, id string }{
		{"01017010170", "01017010170"},                        // a fødselsnummer alone
		{"01017010170@epost.no x", "01017010170"},             // in an address that is not plain
		{"kåre.01017010170@epost.no", "01017010170"},          // in one outside ASCII
		{"0101701234", "0101701234"},                          // a CPR number
		{"010170-1234 <kari@firma.dk>", "010170-1234"},        // a CPR number in a named address
		{"01017010170 01017010251", "01017010251"},            // two ids
		{strings.Repeat("a", 250) + "01017010170", "0101701"}, // too long: not quoted at all
	} {
		_, err := ParseContacts(strings.NewReader("orgnr,email\n974760673,\"" + tc.email + "\"\n"))
		inv, ok := err.(*InvalidContactsError)
		if !ok || len(inv.Problems) != 1 || !strings.HasPrefix(inv.Problems[0].Error(), "line 2, column email: ") {
			t.Fatalf("%q: %v, want one problem of line 2's email", tc.email, err)
		}
		if msg := inv.Problems[0].Error(); strings.Contains(msg, tc.id) {
			t.Errorf("%q: the problem shows the national id: %s", tc.email, msg)
		}
		if p := EmailProblem(tc.email); strings.Contains(p.English(), tc.id) {
			t.Errorf("%q: EmailProblem shows the national id: %s", tc.email, p.English())
		}
	}
}
