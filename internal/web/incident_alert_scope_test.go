package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestIncidentAlertOfAnotherOrgAudited: another organisation's alert named
// in an incident filter (alert=ID on the report page, its export, the
// follow-ups form and the API's report) answers as an alert that is not
// there, and is audited as a refusal, as /alerts/{id} is. Before, it
// answered alike but left no trace in the audit log (from an independent
// review of the web's security).
func TestIncidentAlertOfAnotherOrgAudited(t *testing.T) {
	e := newPrintEnv(t)
	e.seed(4)
	alert := e.alertFor("NAV")
	other := e.loggedIn("olga", "compliance", "974760673", "")
	_, page := other.get("/")
	tok := e.token("compliance", "974760673", "")
	id := alert.ID
	for _, c := range []struct{ name, method, path string }{
		{"incident page", "GET", "/incidents?alert=%d"},
		{"incident export", "GET", "/incidents/export?format=csv&alert=%d"},
		{"follow-ups", "POST", "/incidents/followups"},
		{"API incident report", "API", "/api/v1/incidents/report?format=csv&alert=%d"},
	} {
		codeOf := func(aid int64) int {
			path := c.path
			if strings.Contains(path, "%d") {
				path = fmt.Sprintf(path, aid)
			}
			switch c.method {
			case "GET":
				code, _ := other.get(path)
				return code
			case "POST":
				code, _, _ := other.post(path, url.Values{"csrf": {csrf(page)}, "alert": {fmt.Sprint(aid)}, "decision": {"closed"}})
				return code
			}
			code, _ := e.do("GET", path, tok, "")
			return code
		}
		before := e.refusals()
		theirs := codeOf(id)
		audited := e.refusals() > before
		before = e.refusals()
		none := codeOf(id + 100)
		if theirs != none {
			t.Errorf("%s: another's alert answered %d, no alert %d: tells it exists", c.name, theirs, none)
		}
		if !audited {
			t.Errorf("%s: another organisation's alert (answered %d) not audited as a refusal", c.name, theirs)
		}
		if e.refusals() != before {
			t.Errorf("%s: an alert that does not exist audited as a refusal of another's", c.name)
		}
	}
}
