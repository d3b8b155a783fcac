package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// sessionEnd sets when the test's only session began and ends.
func (e *env) sessionEnd(created, expires time.Time) {
	e.t.Helper()
	if _, err := e.st.DB().Exec(`UPDATE sessions SET created_at = $1, expires_at = $2`, created, expires); err != nil {
		e.t.Fatal(err)
	}
}

// sessionEnds reads when the test's only session ends.
func (e *env) sessionEnds() time.Time {
	e.t.Helper()
	var at time.Time
	if err := e.st.DB().Get(&at, `SELECT expires_at FROM sessions`); err != nil {
		e.t.Fatal(err)
	}
	return at
}

// extend posts the "stay signed in" form as a browser does, with form's
// values (the csrf token and next a page's form holds), and returns the
// status, where it leads and the session cookie's Max-Age (-1: no cookie
// set).
func (b *browser) extend(form url.Values) (int, string, int) {
	b.e.t.Helper()
	resp, _ := b.request("POST", "/session/extend", form, nil)
	age := -1
	for _, c := range resp.Cookies() {
		if c.Name == "pv_session" {
			age = c.MaxAge
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), age
}

// WCAG 2.2.1: a login's pages say nothing of its end but the header's
// time until its last 30 minutes; then they say it ends, when, and offer
// "stay signed in" (a form, no script), in the page's language. The form
// needs the session's CSRF token; it makes the session (and its cookie)
// last 8 hours from now, is audited, and leads back to the page, which
// then says nothing more of it.
func TestStaySignedIn(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	if _, page := b.get("/followups"); strings.Contains(page, `id="session-notice"`) {
		t.Error("a fresh login's page warns that it ends")
	}
	e.sessionEnd(now, now.Add(31*time.Minute))
	if _, page := b.get("/followups"); strings.Contains(page, `id="session-notice"`) {
		t.Error("31 minutes before the end the page warns already")
	}

	e.sessionEnd(now, now.Add(25*time.Minute)) // 13:25 in Oslo
	_, page := b.doIn("nb-NO,nb;q=0.9", "GET", "/list?list=problems", nil)
	for _, want := range []string{
		`<span id="session-ends">Innlogget til 13:25</span>`,
		`<div class="box session-notice noprint" id="session-notice" role="status"><p>Innloggingen din utløper om 25 min (innlogget til 13:25). Velg «Forbli innlogget»`,
		`<form method="post" action="/session/extend"><input type="hidden" name="csrf" value="` + csrf(page) + `"><input type="hidden" name="next" value="/list?list=problems"><button type="submit" id="stay-signed-in">Forbli innlogget</button></form>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("25 minutes before the end the page lacks %q:\n%.3000s", want, page)
		}
	}
	if _, page := b.doIn("da-DK", "GET", "/", nil); !strings.Contains(page, "Dit login udløber om 25 min. (logget ind til 13:25). Vælg »Forbliv logget ind«") {
		t.Errorf("the notice in Danish:\n%.3000s", page)
	}

	if code, _, age := b.extend(url.Values{"next": {"/list?list=problems"}}); code != http.StatusForbidden || age != -1 {
		t.Errorf("stay signed in without the CSRF token: %d (cookie max-age %d), want 403 and no cookie", code, age)
	}
	if got := e.sessionEnds(); !got.Equal(now.Add(25 * time.Minute)) {
		t.Errorf("a refused extension moved the end to %v", got)
	}
	code, loc, age := b.extend(url.Values{"csrf": {csrf(page)}, "next": {"/list?list=problems"}})
	if code != http.StatusSeeOther || loc != "/list?list=problems" || age != 8*3600 {
		t.Errorf("stay signed in: %d to %q, cookie max-age %d; want 303 back to the page and 8 hours", code, loc, age)
	}
	if got := e.sessionEnds(); !got.Equal(now.Add(8 * time.Hour)) {
		t.Errorf("the extended session ends %v, want %v", got, now.Add(8*time.Hour))
	}
	if !e.audited("user:kari", "session_extend", "") || !strings.Contains(e.log.String(), "session extended") {
		t.Error("the extension is neither audited nor logged")
	}
	if _, page := b.get("/list?list=problems"); strings.Contains(page, `id="session-notice"`) ||
		!strings.Contains(page, `<span id="session-ends">Logged in until 21:00</span>`) {
		t.Errorf("after the extension the page still warns, or its header is wrong:\n%.2000s", page)
	}

	tok := e.token("compliance", "964338531", "")
	req, _ := http.NewRequest("POST", e.srv.URL+"/session/extend", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a bearer token's extension: %v %v, want 403 (a token sends no UI form)", resp, err)
	} else {
		resp.Body.Close()
	}
}

// A login lasts at most 12 hours however often it is extended: logged in
// 10 hours ago, staying signed in gives 2 more hours, not 8; 15 minutes
// before the 12 hours are over the page says the login cannot be extended
// again and offers no form, and a form sent all the same changes nothing.
func TestStaySignedInHasALimit(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	e.sessionEnd(now.Add(-10*time.Hour), now.Add(10*time.Minute))
	_, page := b.get("/followups")
	if !strings.Contains(page, `id="stay-signed-in"`) {
		t.Fatalf("10 minutes before the end, 2 hours before the limit: no form to stay signed in:\n%.2000s", page)
	}
	if code, _, age := b.extend(url.Values{"csrf": {csrf(page)}, "next": {"/followups"}}); code != http.StatusSeeOther || age != 2*3600 {
		t.Errorf("stay signed in 10 hours after the login: %d, cookie max-age %d; want 303 and 2 hours", code, age)
	}
	if got := e.sessionEnds(); !got.Equal(now.Add(2 * time.Hour)) {
		t.Errorf("the session ends %v, want 12 hours after the login, %v", got, now.Add(2*time.Hour))
	}

	e.sessionEnd(now.Add(-11*time.Hour-45*time.Minute), now.Add(15*time.Minute))
	_, page = b.get("/followups")
	if !strings.Contains(page, "Your login ends in 15 min (logged in until 13:15) and cannot be extended again: a login lasts at most 12 hours.") ||
		strings.Contains(page, `id="stay-signed-in"`) {
		t.Errorf("15 minutes before the limit: want the notice without a form:\n%.2000s", page)
	}
	if code, _, _ := b.extend(url.Values{"csrf": {csrf(page)}, "next": {"/followups"}}); code != http.StatusSeeOther {
		t.Errorf("stay signed in at the limit: %d, want 303", code)
	}
	if got := e.sessionEnds(); !got.Equal(now.Add(15 * time.Minute)) {
		t.Errorf("at the limit the session was extended to %v", got)
	}
}

// An ended session is not extended: the form leads to the login and back
// to the page. A follow-up decision sent after the end is still carried
// through the login (resume.go), the notice's form beside it.
func TestStaySignedInTooLate(t *testing.T) {
	e := newEnv(t)
	id := e.seed(2)[1].ID
	b := e.loggedIn("kari", "unit", "964338531", "NAV")
	e.sessionEnd(now, now.Add(5*time.Minute))
	_, page := b.get("/shipments/" + id)
	if !strings.Contains(page, `id="stay-signed-in"`) || !strings.Contains(page, `id="followup-form"`) {
		t.Fatalf("5 minutes before the end the letter's page lacks the notice's form or the follow-up form:\n%.2000s", page)
	}
	e.sessionEnd(now.Add(-8*time.Hour), now.Add(-time.Minute))
	code, loc, age := b.extend(url.Values{"csrf": {csrf(page)}, "next": {"/shipments/" + id}})
	if code != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape("/shipments/"+id) || age != -1 {
		t.Errorf("stay signed in after the end: %d to %q (cookie max-age %d), want 303 to the login", code, loc, age)
	}
	if e.audited("user:kari", "session_extend", "") {
		t.Error("an ended session's extension was audited")
	}
	note := "Ringte mottaker; ny frist avtalt."
	code, body := b.postFrom("same-origin", "null", "/shipments/"+id+"/followup",
		url.Values{"csrf": {csrf(page)}, "decision": {"consequences_assessed"}, "note": {note}})
	if code != http.StatusUnauthorized || hiddenFields(body).Get("resume_note") != note {
		t.Errorf("the follow-up after the end: %d, want 401 and the login carrying it:\n%.2000s", code, body)
	}
	if fu, err := e.st.FollowUp(context.Background(), id, store.Scope{}); err == nil && fu.Decision != nil {
		t.Error("a decision was recorded without a session")
	}
}

// A page a form's answer shows (a refused follow-up: the letter's page
// again, 400, at the form's address) offers "stay signed in" too, and it
// leads back to a page there is: the letter's, not the form's address,
// which has no page to GET (a 404).
func TestStaySignedInFromARefusedForm(t *testing.T) {
	e := newEnv(t)
	id := e.seed(2)[1].ID
	b := e.browser()
	b.login("kari", e.user("kari", "unit", "964338531", "NAV"))
	e.sessionEnd(now, now.Add(20*time.Minute))
	_, page := b.get("/shipments/" + id)
	code, _, body := b.post("/shipments/"+id+"/followup", url.Values{"csrf": {csrf(page)}, "decision": {"resent"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="stay-signed-in"`) {
		t.Fatalf("a refused follow-up 20 minutes before the end: %d, want 400 with the notice's form:\n%.2000s", code, body)
	}
	m := regexp.MustCompile(`name="next" value="([^"]*)"><button type="submit" id="stay-signed-in"`).FindStringSubmatch(body)
	if m == nil || m[1] != "/shipments/"+id {
		t.Fatalf("the notice's form leads back to %v, want the letter's page /shipments/%s", m, id)
	}
	code, loc, _ := b.extend(url.Values{"csrf": {csrf(body)}, "next": {m[1]}})
	if code != http.StatusSeeOther || loc != "/shipments/"+id {
		t.Errorf("stay signed in: %d to %q, want 303 to the letter's page", code, loc)
	}
	if code, _ := b.get(loc); code != http.StatusOK {
		t.Errorf("GET %s after staying signed in: %d, want 200", loc, code)
	}
}
