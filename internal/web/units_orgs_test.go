package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Two sender organisations both have a unit "Skole" with one
// unopened letter each. An unscoped compliance officer's "By unit" page
// (/units) ranks them as two rows that read the same, "Skole" and "Skole":
// nothing says which organisation's unit each is, although the README says
// "two organisations' units may share a name" and the API's summary gives
// each group its sender_org. The officer cannot tell whose unit to chase.
// Each is named with its organisation's number, on the overview's top
// units too (review finding).
func TestUnitsPageTellsSameNamedUnitsApart(t *testing.T) {
	e := newEnv(t)
	e.seedTwoOrgs()
	root := e.loggedIn("root", "compliance", "", "")
	code, page := root.get("/units")
	if code != http.StatusOK {
		t.Fatalf("/units: %d", code)
	}
	i := strings.Index(page, `id="summary"`)
	if i < 0 {
		t.Fatalf("no summary table:\n%s", page)
	}
	table := page[i:]
	table = table[:strings.Index(table, "</table>")]
	rows := regexp.MustCompile(`(?s)<tr>.*?</tr>`).FindAllString(table, -1)
	var body []string
	for _, r := range rows {
		if strings.Contains(r, "Skole") {
			body = append(body, r)
		}
	}
	if len(body) != 2 {
		t.Fatalf("want two rows for the two organisations' units, got %d:\n%s", len(body), table)
	}
	if !strings.Contains(body[0]+body[1], orgA) || !strings.Contains(body[0]+body[1], orgB) {
		t.Errorf("the two units named Skole are not told apart by organisation:\n%s\n%s", body[0], body[1])
	}
	code, page = root.get("/")
	i = strings.Index(page, `id="top-units"`)
	if code != http.StatusOK || i < 0 {
		t.Fatalf("overview: %d, top units %d", code, i)
	}
	table = page[i:]
	table = table[:strings.Index(table, "</table>")]
	if !strings.Contains(table, orgA) || !strings.Contains(table, orgB) {
		t.Errorf("the overview's top units do not tell the two Skole apart:\n%s", table)
	}
}
