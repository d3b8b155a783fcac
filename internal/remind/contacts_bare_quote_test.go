package remind

import (
	"fmt"
	"strings"
	"testing"
)

// TestTableGoesOnAfterBareQuote: a bare quote in a contacts (or units)
// file's cell stopped the reading at its line, the file's other problems
// untold, as the letters import did: the reader has taken that line whole,
// so the rows after it are read and told as any.
func TestTableGoesOnAfterBareQuote(t *testing.T) {
	in := "orgnr,email\n974760673,po\"st@firma.no\n974760673,post@firma.no\n12345,post@firma.no\n974760673,x\"y\n"
	_, err := ParseContacts(strings.NewReader(in))
	inv, ok := err.(*InvalidContactsError)
	if !ok {
		t.Fatalf("%v, want the file refused", err)
	}
	var lines []int
	for _, p := range inv.Problems {
		lines = append(lines, p.Line)
	}
	if fmt.Sprint(lines) != "[2 4 5]" {
		t.Errorf("problems at lines %v, want [2 4 5]: %v", lines, inv.Problems)
	}
}
