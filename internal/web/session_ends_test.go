package web_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/web"
)

// The header of a logged-in page says when the login ends, in Oslo time
// and the page's language: logged in at 13:00 Oslo time (12:00 UTC) for
// the default 8 hours, "until 21:00"; a login that ends on another day
// gives the date too. The login page (no session) says nothing of it.
func TestHeaderSaysWhenTheLoginEnds(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	if _, page := b.get("/login"); strings.Contains(page, `id="session-ends"`) {
		t.Error("the login page names a session's end")
	}
	b.login("kari", e.user("kari", "compliance", "964338531", ""))
	for _, tc := range []struct{ lang, path, want string }{
		{"en", "/followups", "Logged in until 21:00"},
		{"nb-NO,nb;q=0.9", "/manual", "Innlogget til 21:00"},
		{"da-DK,da;q=0.9", "/", "Logget ind til 21:00"},
	} {
		if _, page := b.doIn(tc.lang, "GET", tc.path, nil); !strings.Contains(page, `<span id="session-ends">`+tc.want+`</span>`) {
			i := strings.Index(page, `<div class="who">`)
			t.Errorf("%s in %s: the header says %.300s, want %q", tc.path, tc.lang, page[max(i, 0):], tc.want)
		}
	}

	long := newEnvWith(t, web.WithSessionTTL(20*time.Hour))
	lb := long.loggedIn("ola", "compliance", "964338531", "")
	if _, page := lb.get("/followups"); !strings.Contains(page, "Logged in until 2026-11-24 09:00") {
		t.Errorf("a login ending tomorrow: the header lacks its date:\n%.2000s", page)
	}
}
