package web_test

import (
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"
)

// TestIncidentFollowUpCellSaysDeadlineOfDecided: the incident report's
// follow-up column said a decided follow-up as "lukket senest 2026-11-18"
// ("closed by" its deadline), also when the decision came after the
// deadline: a report for an authority claiming a deadline was kept. An
// open follow-up is due by its deadline; a decided one names its deadline
// as what it was.
func TestIncidentFollowUpCellSaysDeadlineOfDecided(t *testing.T) {
	e := newEnv(t)
	got := danishLetters(t, e)
	// Decided now (danishLetters), five days after its deadline.
	e.st.DB().MustExec(`UPDATE followups SET deadline = $2 WHERE shipment_id = $1`, got[0].ID, now.Add(-5*24*time.Hour))
	b := e.loggedIn("kari", "compliance", "64942212", "")
	cell := regexp.MustCompile(`<td>((?:åben|lukket|åpen|open|closed)[^<]*)</td>`)
	for lang, want := range map[string][]string{
		"da": {"åben senest 2026-11-25", "lukket (frist 2026-11-18)"},
		"nb": {"åpen innen 2026-11-25", "lukket (frist 2026-11-18)"},
		"en": {"open by 2026-11-25", "closed (deadline 2026-11-18)"},
	} {
		code, page := b.getIn(lang, "/incidents?from=2026-10-01&to=2026-11-23")
		if code != http.StatusOK {
			t.Fatalf("%s incident report: %d", lang, code)
		}
		var cells []string
		for _, m := range cell.FindAllStringSubmatch(page, -1) {
			cells = append(cells, m[1])
		}
		for _, w := range want {
			if !slices.Contains(cells, w) {
				t.Errorf("%s incident report's follow-ups %q, want %q among them", lang, cells, w)
			}
		}
	}
}
