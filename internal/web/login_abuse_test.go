package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestFailedLoginThrottleHoldsUnderConcurrency: the lockout allows 5 failed
// logins per user name (20 per address) in 15 minutes; 30 guesses sent at
// once have at most 5 passwords checked (the attempts in flight count).
func TestFailedLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	e.user("kari", "compliance", "964338531", "")
	b := e.browser()
	_, page := b.get("/login")
	token := csrf(page)
	const n = 30
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"name": {"kari"}, "password": {"guess " + string(rune('a'+i))}, "login_csrf": {token}}
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range b.c.Jar.Cookies(req.URL) {
				req.AddCookie(c)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	checked := 0
	for c := range codes {
		if c == http.StatusUnauthorized {
			checked++
		}
	}
	if checked > 5 {
		t.Errorf("%d of %d concurrent guesses had the password checked (401); the lockout allows 5", checked, n)
	}
}

// TestLoginNameThatIsNotTextIsNot500: a user name with a NUL or bytes that
// are not UTF-8 is bad input (README "Input limits": never a 500), not an
// internal error with an ERROR log line.
func TestLoginNameThatIsNotTextIsNot500(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for _, name := range []string{"kari\x00", "kari\xff\xfe"} {
		_, page := b.get("/login")
		code, _, _ := b.post("/login", url.Values{"name": {name}, "password": {"x"}, "login_csrf": {csrf(page)}})
		if code == http.StatusInternalServerError {
			t.Errorf("login name %q: 500", name)
		}
	}
}

// TestLoginNameInAuditIsBounded: an unauthenticated client cannot write
// what it likes into the append-only audit log: a login name longer than
// any user's (100 bytes) is a wrong login, not audited, and a lockout is
// audited once, not at every refused attempt.
func TestLoginNameInAuditIsBounded(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	long := strings.Repeat("A", 60000)
	for range 8 {
		_, page := b.get("/login")
		b.post("/login", url.Values{"name": {long}, "password": {"x"}, "login_csrf": {csrf(page)}})
	}
	entries, err := e.st.AuditEntries(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	big := 0
	for _, a := range entries {
		if len(a.Actor) > 300 {
			big++
		}
	}
	if big > 0 {
		t.Errorf("%d audit entries written by an unauthenticated client with an actor over 300 bytes", big)
	}
}
