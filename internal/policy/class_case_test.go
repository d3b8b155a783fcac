package policy

import (
	"testing"
)

// A child welfare letter whose fagsystem writes its class "Barnevern"
// (capitalised, as exports and CSVs often do) is registered as such
// (registration trims, does not fold case), and silently falls to another
// policy: no print approval, print after 10 instead of 5 business days.
// barnevern.yaml: "a compliance officer approves every print order,
// because a letter about a child must not go to a stale postal address
// unchecked". Nothing (policy check, registration) says so.
func TestClassMatchedWhateverItsCase(t *testing.T) {
	set, problems := LoadDir("../../policies")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, class := range []string{"barnevern", "Barnevern", "BARNEVERN"} {
		p, err := set.Match(Facts{Channel: "svarut", Class: class, Confidential: true, RecipientKind: RecipientOrg, SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("class %q -> policy %s (print approval %v, print after %d)", class, p.Name, p.PrintNeedsApproval(false), p.Print.After)
		if p.Name != "barnevern" {
			t.Errorf("class %q matched policy %s, not barnevern: its print goes without approval", class, p.Name)
		}
	}
}
