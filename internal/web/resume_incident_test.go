package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// A compliance officer whose session ended while filling in the follow-ups
// of a whole incident loses nothing, as with one letter's follow-up: the
// form's POST records nothing and gets the login page saying so, with the
// incident's filter, decision, deadline and note carried in it (not from
// another site's form, and nothing in the URL); after the login the same
// report comes back with the form filled in, not yet recorded, and
// recording it then works with the new session's token. The form of an
// alert's page comes back on the alert's page.
func TestSessionEndedKeepsTheIncidentFollowUps(t *testing.T) {
	e := newEnv(t)
	e.seed(12)
	a := e.alertFor("NAV")
	pw := e.user("kari", "compliance", "964338531", "")
	b := e.browser()
	b.login("kari", pw)
	recorded := func() int {
		t.Helper()
		fus, err := e.st.FollowUps(context.Background(), store.Scope{SenderOrg: "964338531"}, true, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range fus {
			if f.Decision != nil {
				n++
			}
		}
		return n
	}
	expire := func() {
		t.Helper()
		e.st.DB().MustExec(`UPDATE sessions SET expires_at = $1`, now.Add(-time.Minute))
	}
	note := "Brevene sendes på nytt; ringte enheten 3.12."
	q := url.Values{"from": {now.AddDate(0, 0, -60).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}, "unit": {"NAV"}}
	for _, tc := range []struct {
		name, page string
	}{
		{"the incident report", "/incidents?" + q.Encode()},
		{"the alert's page", "/alerts/" + fmt.Sprint(a.ID)},
	} {
		before := recorded()
		code, page := b.get(tc.page)
		if code != http.StatusOK || !strings.Contains(page, `id="followup-form"`) {
			t.Fatalf("%s: %d, want the follow-up form", tc.name, code)
		}
		form := hiddenFields(page)
		form.Set("decision", store.DecisionAssessed)
		form.Set("days", "21")
		form.Set("note", note)
		expire()
		if code, body := b.postFrom("cross-site", "null", "/incidents/followups", form); code != http.StatusUnauthorized || strings.Contains(body, note) {
			t.Errorf("%s, a form from another site: %d, carried %v; want 401 and nothing carried", tc.name, code, strings.Contains(body, note))
		}
		code, body := b.postFrom("same-origin", "null", "/incidents/followups", form)
		login := hiddenFields(body)
		if code != http.StatusUnauthorized || !strings.Contains(body, "Økten din var utløpt før skjemaet ble sendt") ||
			login.Get("resume_incident_decision") != store.DecisionAssessed || login.Get("resume_incident_days") != "21" ||
			login.Get("resume_incident_note") != note || strings.Contains(login.Get("next"), "?") {
			t.Fatalf("%s, the form after the session ended: %d, carried %v; want 401 carrying it\n%s", tc.name, code, login, body)
		}
		if recorded() != before {
			t.Fatalf("%s: follow-ups recorded without a session", tc.name)
		}
		login.Set("name", "kari")
		login.Set("password", pw)
		code, body = b.postFrom("same-origin", "null", "/login", login)
		if code != http.StatusOK || !strings.Contains(body, `id="followup-form"`) ||
			!strings.Contains(body, `<option value="consequences_assessed" selected>`) ||
			!strings.Contains(body, `name="days" min="1" max="365" value="21"`) || !strings.Contains(body, `name="note" value="`+note+`"`) ||
			!strings.Contains(body, "Du er logget inn igjen. Oppfølgingen av disse brevene er ikke registrert ennå") {
			t.Fatalf("%s, after the login: %d, want the report with the form filled in:\n%s", tc.name, code, body)
		}
		if tc.name == "the alert's page" && !strings.Contains(body, `id="affected"`) {
			t.Errorf("the alert's form came back elsewhere than on its page")
		}
		if recorded() != before {
			t.Fatalf("%s: the login recorded the follow-ups; they must wait for the officer's click", tc.name)
		}
		again := hiddenFields(body)
		again.Set("decision", store.DecisionAssessed)
		again.Set("days", "21")
		again.Set("note", note)
		if code, _ := b.postFrom("same-origin", "null", "/incidents/followups", again); code != http.StatusSeeOther || recorded() != 6 {
			t.Fatalf("%s, recording the resumed form: %d, %d recorded; want 303 and NAV's 6", tc.name, code, recorded())
		}
		e.st.DB().MustExec(`DELETE FROM followups`)
	}
}
