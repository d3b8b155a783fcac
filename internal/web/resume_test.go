package web_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

var hiddenInputRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hiddenFields are a page's hidden inputs as a form would send them.
func hiddenFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInputRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// postFrom posts a form as a browser does from a page of origin, in
// Norwegian: with Sec-Fetch-Site (site: same-origin, cross-site) as current
// browsers send it, or without it ("") and with an Origin as older ones do.
func (b *browser) postFrom(site, origin, path string, form url.Values) (int, string) {
	b.e.t.Helper()
	h := http.Header{"Accept-Language": {languages["nb"]}, "Origin": {origin}}
	if site != "" {
		h.Set("Sec-Fetch-Site", site)
	}
	resp, body := b.request("POST", path, form, h)
	return resp.StatusCode, html.UnescapeString(string(body))
}

// A caseworker whose session ended while writing a follow-up decision
// loses nothing: the form's POST records nothing and gets the login page
// saying so (in the reader's language), with the form's fields carried in
// it; a mistyped password keeps them; after the login the letter's page
// shows the form as it was filled in, not yet recorded, and recording it
// then works with the new session's CSRF token. A form another site posts
// is not carried (it could make a letter's page show its decision).
func TestSessionEndedKeepsTheFollowUpForm(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	id := got[1].ID // NAV's
	pw := e.user("kari", "unit", "964338531", "NAV")
	b := e.browser()
	b.login("kari", pw)
	_, page := b.get("/shipments/" + id)
	if _, err := e.st.DB().Exec(`UPDATE sessions SET expires_at = $1`, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Logging out of an ended session just leads to the login page.
	if code, loc, _ := b.post("/logout", url.Values{"csrf": {csrf(page)}}); code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("logout after the session ended: %d %q, want 303 to /login", code, loc)
	}
	note := "Ringte mottaker 12.3.; vurdert: fristen for klage løper ikke.\nNytt brev ikke nødvendig."
	form := url.Values{"csrf": {csrf(page)}, "decision": {"consequences_assessed"}, "note": {note}, "missed_deadline": {"1"}}
	recorded := func() bool {
		t.Helper()
		fu, err := e.st.FollowUp(context.Background(), id, store.Scope{})
		if errors.Is(err, store.ErrNotFound) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		return fu.Decision != nil
	}

	for _, from := range []struct{ site, origin string }{{"cross-site", "null"}, {"", "https://elsewhere.example"}, {"", "null"}} {
		code, body := b.postFrom(from.site, from.origin, "/shipments/"+id+"/followup", form)
		if code != http.StatusUnauthorized || strings.Contains(body, "Ringte mottaker") {
			t.Errorf("a form from another site (%v): %d, carried %v; want 401 and nothing carried", from, code, strings.Contains(body, "Ringte mottaker"))
		}
	}
	// Our pages send no referrer: a browser says where a form came from
	// by Sec-Fetch-Site, its Origin "null".
	code, body := b.postFrom("same-origin", "null", "/shipments/"+id+"/followup", form)
	if code != http.StatusUnauthorized || !strings.Contains(body, "Økten din var utløpt før skjemaet ble sendt") {
		t.Fatalf("the form after the session ended: %d, want 401 and the login page saying so in Norwegian:\n%s", code, body)
	}
	if recorded() {
		t.Fatal("a decision was recorded without a session")
	}
	login := hiddenFields(body)
	if login.Get("resume_note") != note || login.Get("resume_decision") != "consequences_assessed" ||
		login.Get("resume_missed_deadline") != "1" || login.Get("next") != "/shipments/"+id {
		t.Fatalf("the login page does not carry the form: %v", login)
	}
	login.Set("name", "kari")
	login.Set("password", "wrong wrong wrong")
	code, body = b.postFrom("", e.srv.URL, "/login", login)
	if login = hiddenFields(body); code != http.StatusUnauthorized || login.Get("resume_note") != note {
		t.Fatalf("a mistyped password: %d, carried note %q; want 401 and the form still carried", code, login.Get("resume_note"))
	}
	login.Set("name", "kari")
	login.Set("password", pw)
	code, body = b.postFrom("same-origin", "null", "/login", login)
	if code != http.StatusOK || !strings.Contains(body, `id="followup-form"`) || !strings.Contains(body, note) ||
		!strings.Contains(body, `<option value="consequences_assessed" selected>`) ||
		!strings.Contains(body, "Du er logget inn igjen. Beslutningen din er ikke registrert ennå") {
		t.Fatalf("after the login: %d, want the letter's page with the form filled in:\n%s", code, body)
	}
	if recorded() {
		t.Fatal("the login recorded the decision; it must wait for the caseworker's click")
	}
	form = url.Values{"csrf": {csrf(body)}, "decision": {"consequences_assessed"}, "note": {note}, "missed_deadline": {"1"}}
	if code, _ := b.postFrom("same-origin", "null", "/shipments/"+id+"/followup", form); code != http.StatusSeeOther || !recorded() {
		t.Errorf("recording the resumed form: %d, recorded %v", code, recorded())
	}
}

// A caseworker who logged in again in another tab and then sends the form
// of the older page (its CSRF token is the ended session's) is refused as
// before, nothing recorded, but gets the form back filled in with the
// current session's token, and recording it then works. A form with a
// wrong token from another site gets the plain refusal, nothing of it
// shown.
func TestFollowUpFormFromAnEarlierLoginComesBackFilledIn(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	id := got[1].ID // NAV's
	pw := e.user("kari", "unit", "964338531", "NAV")
	b := e.browser()
	b.login("kari", pw)
	_, page := b.get("/shipments/" + id)
	b.login("kari", pw) // another tab: a new session, the old page's token is stale
	note := "Ringte mottaker; nytt brev sendes i morgen."
	form := url.Values{"csrf": {csrf(page)}, "decision": {"new_letter"}, "note": {note}}
	code, body := b.postFrom("cross-site", "null", "/shipments/"+id+"/followup", form)
	if code != http.StatusForbidden || strings.Contains(body, "Ringte mottaker") {
		t.Errorf("a stale form from another site: %d, shown %v; want 403 and nothing of it shown", code, strings.Contains(body, "Ringte mottaker"))
	}
	code, body = b.postFrom("same-origin", "null", "/shipments/"+id+"/followup", form)
	if code != http.StatusForbidden || !strings.Contains(body, `id="followup-form"`) || !strings.Contains(body, note) ||
		!strings.Contains(body, `<option value="new_letter" selected>`) ||
		!strings.Contains(body, "Skjemaet var fra en tidligere innlogging, så ingenting ble registrert") {
		t.Fatalf("a stale form: %d, want 403 with the form filled in and why, in Norwegian:\n%s", code, body)
	}
	if fu, err := e.st.FollowUp(context.Background(), id, store.Scope{}); err == nil && fu.Decision != nil {
		t.Fatal("a form with a stale CSRF token recorded a decision")
	}
	if csrf(body) == csrf(page) {
		t.Fatal("the refilled form carries the stale token")
	}
	form.Set("csrf", csrf(body))
	if code, _ := b.postFrom("same-origin", "null", "/shipments/"+id+"/followup", form); code != http.StatusSeeOther {
		t.Errorf("recording the refilled form: %d, want 303", code)
	}
}
