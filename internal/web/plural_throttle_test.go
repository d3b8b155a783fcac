package web_test

import (
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// TestThrottleMinutePlural: the login throttle's last minute is
// told in each language's singular: "1 minute", "1 minutt", "1 minut".
// The English catalogue has one/other forms for login.err_throttled but the
// plural is chosen only from a "Count" argument, and the template passes
// "Minutes"; nb and da have no plural at all.
func TestThrottleMinutePlural(t *testing.T) {
	st := storetest.Open(t)
	var mu sync.Mutex
	clock := now
	nowf := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	srv := httptest.NewServer(web.New(st, slog.New(slog.NewTextHandler(&logtest.Buffer{}, nil)), nowf))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, st: st, log: &logtest.Buffer{}}
	e.user("kari", "compliance", "964338531", "")
	for _, tc := range []struct{ lang, want, wrong string }{
		{"en", "in 1 minute.", "1 minutes"},
		{"nb", "om 1 minutt.", "1 minutter"},
		{"da", "om 1 minut.", "1 minutter"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			mu.Lock()
			clock = clock.Add(time.Hour) // a fresh lockout each language
			mu.Unlock()
			b := e.browser()
			b.e = &env{t: t, srv: srv, st: st}
			var body string
			for i := 0; i < 6; i++ {
				_, page := b.getIn(tc.lang, "/login")
				_, body = b.doIn(languages[tc.lang], "POST", "/login", url.Values{"name": {"kari-" + tc.lang}, "password": {"wrong"},
					"login_csrf": {csrf(page)}, "next": {"/"}})
			}
			mu.Lock()
			clock = clock.Add(14*time.Minute + 30*time.Second)
			mu.Unlock()
			_, page := b.getIn(tc.lang, "/login")
			code, body := b.doIn(languages[tc.lang], "POST", "/login", url.Values{"name": {"kari-" + tc.lang}, "password": {"wrong"},
				"login_csrf": {csrf(page)}, "next": {"/"}})
			if code != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429", code)
			}
			body = html.UnescapeString(body)
			i := strings.Index(body, `id="login-err"`)
			if i < 0 {
				t.Fatalf("no login error in %.400s", body)
			}
			msg := body[i : i+strings.Index(body[i:], "</p>")]
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.wrong) {
				t.Errorf("%s: %q, want %q", tc.lang, msg, tc.want)
			}
		})
	}
}
