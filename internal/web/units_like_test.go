package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestImportUnitsTellsUnitsWrittenOtherwise: a units file on /admin/units
// naming a unit otherwise than the organisation's letters do
// ("barnevernstjenesten" for "Barnevernstjenesten") made a new unit of no
// letter without a word, and the letters' unit kept no address, as
// `postvakt units import` warns. The file is saved (two units may be
// meant) and the page says so, in the reader's language, naming both; a
// unit written as stored, or like none, is not told of.
func TestImportUnitsTellsUnitsWrittenOtherwise(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(2) // Barnevernstjenesten and NAV of 964338531
	b := e.loggedIn("admin", "admin", "", "")
	_, page := b.get("/admin/units")
	const head = "sender_org,unit,contact_email,manager_email\n"
	code, page := b.uploadIn("en", "/admin/units/import", csrf(page),
		[]byte(head+"964338531,NAV,nav@example.no,\n964338531,Skole,skole@example.no,\n"))
	if code != http.StatusSeeOther {
		t.Fatalf("units as stored: %d, want 303 to the page saying imported, none told of:\n%.3000s", code, page)
	}
	_, page = b.get("/admin/units")
	code, page = b.uploadIn("nb", "/admin/units/import", csrf(page),
		[]byte(head+"964338531,barnevernstjenesten,barnevern@example.no,\n"))
	if code != http.StatusOK || !strings.Contains(page, "Importert.") || !strings.Contains(page, `<ul id="units-like"><li>Organisasjon 964338531 har ingen enhet «barnevernstjenesten», men «Barnevernstjenesten»`) {
		t.Fatalf("barnevernstjenesten beside Barnevernstjenesten: %d, want 200 telling of it:\n%.3000s", code, page)
	}
}
