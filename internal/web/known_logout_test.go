package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLoggedOutSessionNotRememberedWhileDatabaseDown: a session logged out
// through this server is forgotten at once, so when the database goes away
// within 15 minutes the logged-out cookie (a copy kept by whoever had it)
// is not accepted on /ops. And a remembered session opens nothing but the
// outage routes: the letters' pages stay closed while the database is
// down.
func TestLoggedOutSessionNotRememberedWhileDatabaseDown(t *testing.T) {
	t.Run("other routes", func(t *testing.T) {
		e := newEnv(t)
		b := e.loggedIn("kari", "admin", "", "")
		if code, _ := b.get("/ops"); code != http.StatusOK {
			t.Fatalf("/ops after login: %d", code)
		}
		e.st.DB().Close()
		if code, _ := b.get("/ops"); code != http.StatusOK {
			t.Errorf("/ops with a remembered session while the database is down: %d, want 200", code)
		}
		if code, _ := b.get("/list?list=unopened"); code == http.StatusOK {
			t.Errorf("/list with a remembered session while the database is down: %d, want it refused", code)
		}
	})
	e := newEnv(t)
	b := e.loggedIn("ops-olga", "operations", "", "")
	code, page := b.get("/ops")
	if code != http.StatusOK {
		t.Fatalf("/ops after login: %d", code)
	}
	u, _ := url.Parse(e.srv.URL)
	var old string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "pv_session" {
			old = c.Value
		}
	}
	if old == "" {
		t.Fatal("no session cookie")
	}
	if code, loc, _ := b.post("/logout", url.Values{"csrf": {csrf(page)}}); code != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("logout: %d %s", code, loc)
	}

	e.st.DB().Close() // the database goes away after the logout

	req, _ := http.NewRequest("GET", e.srv.URL+"/ops", nil)
	req.AddCookie(&http.Cookie{Name: "pv_session", Value: old})
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatalf("/ops with a logged-out session cookie while the database is down: %d; want it refused (the logout should forget the remembered session)", resp.StatusCode)
	}
}
