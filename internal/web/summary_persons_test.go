package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestUnopenedByOrganisationNotCitizens: /unopened, the unopened letters
// by receiving organisation, ranks organisations only, however many more
// letters citizens have, and the citizens' letters are one line under the
// table, no CPR number shown, masked or not; the same from the rollups.
// GET /api/v1/summary?by=recipient groups organisations only and counts
// the persons' letters in persons_shipments (by=unit: no such count). The
// per-letter list keeps the persons' letters.
func TestUnopenedByOrganisationNotCitizens(t *testing.T) {
	e := newEnv(t)
	registerCitizensAndOrg(t, e, "040")
	b := e.loggedIn("kari", "compliance", "64942212", "")
	tok := e.token("compliance", "64942212", "")
	table := regexp.MustCompile(`(?s)<table id="summary">.*?</table>`)
	e.liveThenRollup(func(rollup bool) {
		code, page := b.getDa("/unopened")
		if code != http.StatusOK {
			t.Fatalf("rollup %v: /unopened: %d", rollup, code)
		}
		if orgs := table.FindString(page); !strings.Contains(orgs, "14691804") || strings.Contains(orgs, "010180") || strings.Contains(orgs, "020280") {
			t.Errorf("rollup %v: /unopened ranks not the organisation alone: %s", rollup, orgs)
		}
		if !strings.Contains(page, `<p id="summary-persons">Borgere: 3 forsendelser`) ||
			!strings.Contains(page, "1 forsendelse til 1 modtagende organisation.") {
			t.Errorf("rollup %v: no line of the citizens' 3 letters, or counts not the organisation's: %s", rollup, page)
		}
		code, out := e.do("GET", "/api/v1/summary?by=recipient", tok, "")
		groups, _ := out["groups"].([]any)
		if code != http.StatusOK || len(groups) != 1 || groups[0].(map[string]any)["key"] != "14691804" ||
			out["persons_shipments"] != float64(3) || out["total_shipments"] != float64(1) {
			t.Errorf("rollup %v: GET /api/v1/summary?by=recipient: %d %v, want the organisation alone and persons_shipments 3", rollup, code, out)
		}
		if _, out := e.do("GET", "/api/v1/summary?by=unit", tok, ""); out["persons_shipments"] != nil || out["total_shipments"] != float64(4) {
			t.Errorf("rollup %v: by=unit: %v, want all 4 letters and no persons' count", rollup, out)
		}
	})
	if _, page := b.getDa("/list?list=unopened"); !strings.Contains(page, "010180****") || !strings.Contains(page, "14691804") {
		t.Errorf("the per-letter list lost the persons' letters: %s", page)
	}
}
