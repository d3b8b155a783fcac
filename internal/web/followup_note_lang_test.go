package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFollowUpNoteProblemInPageLanguage: a follow-up note that is not
// text (a NUL) is refused on a Norwegian page wholly in Norwegian; what
// was wrong stood in English inside the Norwegian sentence ("Notatet:
// contains the control character U+0000 …"). The API keeps English.
func TestFollowUpNoteProblemInPageLanguage(t *testing.T) {
	e := newEnv(t)
	id := e.seed(1)[0].ID
	b := e.loggedIn("kari", "compliance", "", "")
	_, page := b.get("/shipments/" + id)
	code, body := b.doIn("nb-NO,nb;q=0.9", "POST", "/shipments/"+id+"/followup", url.Values{"csrf": {csrf(page)},
		"decision": {"consequences_assessed"}, "note": {"vurdert\x00"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Notatet: inneholder kontrolltegnet U+0000 ved tegn 8.") {
		i := strings.Index(body, "Notatet")
		t.Errorf("follow-up with a NUL in its note: %d, want 400 saying it in Norwegian: %.200s", code, body[max(i, 0):])
	}
	_, page = b.get("/incidents")
	code, body = b.doIn("nb-NO,nb;q=0.9", "POST", "/incidents/followups", url.Values{"csrf": {csrf(page)},
		"decision": {"consequences_assessed"}, "note": {"vurdert\x00"}, "from": {"2026-11-01"}, "to": {"2026-11-23"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Notatet: inneholder kontrolltegnet U+0000 ved tegn 8.") {
		i := strings.Index(body, "Notatet")
		t.Errorf("incident follow-up with a NUL in its note: %d, want 400 saying it in Norwegian: %.200s", code, body[max(i, 0):])
	}
}
