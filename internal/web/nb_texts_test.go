package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A unit's pages read as Norwegian: one receiving organisation or one
// sending unit is said in the singular (the summaries read "1 forsendelser
// fra 1 avsenderenheter"), and the page that refuses the role names it in
// the page's language, as the header does ("avsenderenhet"), not by its
// code ("unit").
func TestUnitPagesInBokmal(t *testing.T) {
	e := newEnv(t)
	e.seed(2) // one letter of Barnevernstjenesten to 974760673, one of NAV
	b := e.loggedIn("sak", "unit", "964338531", "Barnevernstjenesten")
	for _, c := range []struct{ path, want string }{
		{"/unopened", "1 forsendelse til 1 mottakende virksomhet. Størst først."},
		{"/units", "1 forsendelse fra 1 avsenderenhet. Størst først."},
	} {
		code, page := b.getIn("nb", c.path)
		if code != http.StatusOK || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d, want %q in\n%s", c.path, code, c.want, page)
		}
	}
	code, page := b.getIn("nb", "/print")
	if code != http.StatusForbidden || !strings.Contains(page, "Rollen din (avsenderenhet) får ikke se denne siden.") {
		t.Errorf("/print for a unit: %d, want the role named in bokmål:\n%s", code, page)
	}
}
