package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A compliance officer whose session ended while resolving a letter on
// /manual loses nothing: the form's POST records nothing and gets the
// login page saying so, with the resolution and note carried in it (not
// from another site's form); after the login /manual shows the letter's
// row filled in, not yet recorded, and resolving it then works with the
// new session's token. A carried resolution of a letter resolved meanwhile
// is said to be gone, nothing recorded.
func TestSessionEndedKeepsTheManualResolution(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	id := got[0].ID
	db := e.st.DB()
	for _, s := range got {
		db.MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, s.ID)
		db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'ingen adresse', $2)`, s.ID, now)
	}
	pw := e.user("kari", "compliance", "964338531", "")
	b := e.browser()
	b.login("kari", pw)
	_, page := b.get("/manual")
	expire := func() {
		t.Helper()
		db.MustExec(`UPDATE sessions SET expires_at = $1`, now.Add(-time.Minute))
	}
	resolved := func() bool {
		t.Helper()
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM print_manual WHERE resolved_at IS NOT NULL`); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	expire()
	note := "Skrevet ut og sendt med A-post 3.12."
	form := url.Values{"csrf": {csrf(page)}, "resolution": {"printed_by_hand"}, "note": {note}}
	path := "/manual/" + id + "/resolve"
	if code, body := b.postFrom("cross-site", "null", path, form); code != http.StatusUnauthorized || strings.Contains(body, note) {
		t.Errorf("a form from another site: %d, carried %v; want 401 and nothing carried", code, strings.Contains(body, note))
	}
	code, body := b.postFrom("same-origin", "null", path, form)
	login := hiddenFields(body)
	if code != http.StatusUnauthorized || !strings.Contains(body, "Økten din var utløpt før skjemaet ble sendt") ||
		login.Get("resume_manual_shipment") != id || login.Get("resume_manual_resolution") != "printed_by_hand" ||
		login.Get("resume_manual_note") != note || login.Get("next") != "/manual" {
		t.Fatalf("the resolution after the session ended: %d, carried %v; want 401 carrying it\n%s", code, login, body)
	}
	if resolved() {
		t.Fatal("resolved without a session")
	}
	login.Set("name", "kari")
	login.Set("password", pw)
	code, body = b.postFrom("same-origin", "null", "/login", login)
	if code != http.StatusOK || !strings.Contains(body, `<option value="printed_by_hand" selected>`) ||
		!strings.Contains(body, `name="note" size="24" value="`+note+`"`) ||
		!strings.Contains(body, "Du er logget inn igjen. Løsningen din er ikke registrert ennå") ||
		!strings.Contains(body, `<span id="session-ends">Innlogget til 21:00</span>`) {
		t.Fatalf("after the login: %d, want /manual with the row filled in:\n%s", code, body)
	}
	if resolved() {
		t.Fatal("the login resolved the letter; it must wait for the officer's click")
	}
	form.Set("csrf", csrf(body))
	if code, _ := b.postFrom("same-origin", "null", path, form); code != http.StatusSeeOther || !resolved() {
		t.Fatalf("resolving the resumed form: %d, resolved %v; want 303 and resolved", code, resolved())
	}

	// The other letter's resolution carried, but someone resolved it
	// meanwhile.
	_, page = b.get("/manual")
	expire()
	_, body = b.postFrom("same-origin", "null", "/manual/"+got[1].ID+"/resolve",
		url.Values{"csrf": {csrf(page)}, "resolution": {"not_needed"}, "note": {"x"}})
	login = hiddenFields(body)
	db.MustExec(`UPDATE print_manual SET resolved_at = $1, resolution = 'printed_by_hand', resolved_by = 'user:ola' WHERE shipment_id = $2`, now, got[1].ID)
	login.Set("name", "kari")
	login.Set("password", pw)
	if code, body = b.postFrom("same-origin", "null", "/login", login); code != http.StatusOK ||
		!strings.Contains(body, "Brevet du holdt på med, venter ikke lenger på manuell behandling") || strings.Contains(body, " selected>") {
		t.Fatalf("a carried resolution of a letter resolved meanwhile: %d\n%s", code, body)
	}
}
