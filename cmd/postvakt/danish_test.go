package main_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/pgtest"
)

// TestDanishOnlyUIOffersOnlyDigitalPost: a municipality that configured
// Danish Digital Post only (no SvarUt, no Altinn) is offered, in the lists'
// channel filter and in the evidence page's "resent as" form, the channels
// it configured: not the Norwegian altinn and svarut, which it does not
// have and whose ids its Danish recipients cannot have.
func TestDanishOnlyUIOffersOnlyDigitalPost(t *testing.T) {
	db := pgtest.New(t)
	importLetter(t, db, "digitalpost,0e0e0e0e-0000-4000-8000-0000000000d1,64942212,Socialforvaltningen,org,14691804,Afgørelse,true,fortrolig,2026-11-02T10:00:00+01:00")
	password := addUser(t, db, "kari", "--role", "compliance", "--sender-org", "64942212")
	addr, cmd, _ := startServe(t, db, "POSTVAKT_DIGITALPOST_URL=http://127.0.0.1:1/apis/v1",
		"POSTVAKT_DIGITALPOST_SYSTEM_ID=b07b2252-5b92-40ce-9349-c82fd6d059af", "POSTVAKT_DIGITALPOST_API_TOKEN=t")
	defer cmd.Process.Kill()
	get := login(t, addr, "kari", password, "da-DK")
	// Altinn Notifications is Norwegian: the menu leaves its refused
	// orders out (the page stays where it is).
	if home := get("/"); strings.Contains(home, `href="/refused"`) || !strings.Contains(home, `href="/unopened"`) {
		t.Errorf("the home page of a Danish-only deployment with no Altinn order links to /refused, or has no menu:\n%s", home)
	}
	list := get("/list?list=unopened")
	id := regexp.MustCompile(`href="/shipments/([0-9a-f-]{36})"`).FindStringSubmatch(list)
	if id == nil {
		t.Fatalf("no letter listed:\n%s", list)
	}
	for path, page := range map[string]string{"/list?list=unopened": list, "/shipments/" + id[1]: get("/shipments/" + id[1])} {
		sel := regexp.MustCompile(`(?s)<select name="(?:new_)?channel"[^>]*>.*?</select>`).FindString(page)
		if sel == "" {
			t.Fatalf("%s: no channel select", path)
		}
		for _, no := range []string{"svarut", "altinn"} {
			if strings.Contains(sel, no) {
				t.Errorf("%s offers the channel %s, which this Danish-only deployment does not have: %s", path, no, sel)
			}
		}
	}
}

// TestDanishPhysicalPostWithoutPrintProvider: a Danish-only deployment has
// no print provider (POSTVAKT_PRINT_URL) and no Enhetsregisteret
// (POSTVAKT_REGISTER_URL): Digital Post prints itself. The shipped
// dk-digital-post-borger policy prints after 15 business days, via
// digitalpost: past that the letter reaches the sending unit's
// manual-handling list (reason physical_post), so that the unit orders
// Digital Post's physical post, as it does with a provider.
func TestDanishPhysicalPostWithoutPrintProvider(t *testing.T) {
	db := pgtest.New(t)
	importLetter(t, db, "digitalpost,0e0e0e0e-0000-4000-8000-0000000000d1,64942212,Borgerservice,person,0101701234,Afgørelse,true,sag,2026-11-02T10:00:00+01:00")
	// Danish-only: Digital Post and SMTP, nothing Norwegian.
	out, stderr, code := escalateOnce(t, db)
	if code != 0 {
		t.Fatalf("escalate: exit %d\n%s\n%s", code, out, stderr)
	}
	conn := openDB(t, db)
	var stage string
	if err := conn.QueryRow(`SELECT stage FROM shipments`).Scan(&stage); err != nil {
		t.Fatal(err)
	}
	var manual int
	if err := conn.QueryRow(`SELECT count(*) FROM print_manual WHERE resolved_at IS NULL`).Scan(&manual); err != nil {
		t.Fatal(err)
	}
	if stage != "manual" || manual != 1 {
		t.Errorf("a Digital Post letter past its print window under print.via: digitalpost, no print provider: stage %q, %d manual-handling cases; want stage manual with one case (physical_post) for the sending unit\n%s\n%s", stage, manual, out, stderr)
	}
}

// addUser adds a UI user (user add with args) and returns the password
// it was given, shown once.
func addUser(t *testing.T, db, name string, args ...string) string {
	t.Helper()
	out, stderr, code := run(t, db, append([]string{"user", "add", "--name", name}, args...)...)
	m := regexp.MustCompile(`shown once\): (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("user add: %d\n%s\n%s", code, out, stderr)
	}
	return m[1]
}

// login signs name in through serve's login form at addr and returns a
// GET of a path in that session, asking for the page in lang.
func login(t *testing.T, addr, name, password, lang string) func(path string) string {
	t.Helper()
	c := loginClient(t, addr, name, password, lang)
	return func(path string) string {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
}

// loginClient signs name in through serve's login form (asked for in
// lang) at addr and returns a client holding the session.
func loginClient(t *testing.T, addr, name, password, lang string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if code := signIn(t, c, addr, name, password, lang); code != http.StatusOK && code != http.StatusSeeOther {
		t.Fatalf("login as %s: %d", name, code)
	}
	return c
}

// signIn fills in serve's login form at addr (asked for in lang) with c as
// name and password, and returns the status of the answer to it.
func signIn(t *testing.T, c *http.Client, addr, name, password, lang string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/login", nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="login_csrf" value="([^"]+)"`).FindSubmatch(page)
	if tok == nil {
		t.Fatal("no login form")
	}
	resp, err = c.PostForm("http://"+addr+"/login", url.Values{"login_csrf": {string(tok[1])}, "next": {"/"}, "name": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
