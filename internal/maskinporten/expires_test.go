package maskinporten

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestExpiresInForms: the token answer's expires_in as RFC 6749 writes it
// (a number), as some token services write it (a number in a string, a
// decimal), or odd (garbage, null, negative): the token is had in every
// case; a lifetime it can read keeps the token cached for it (at +80 s of
// 120 s: the same token), one it cannot read counts as short (a minute,
// renewed halfway: at +80 s a new one).
func TestExpiresInForms(t *testing.T) {
	for _, c := range []struct {
		expiresIn string
		cached    bool // still the first token at +80 s
	}{
		{`120`, true},
		{`"120"`, true},
		{`120.0`, true},
		{`" 120 "`, true},
		{`"zwei Minuten"`, false},
		{`null`, false},
		{`-5`, false},
		{`{}`, false},
	} {
		t.Run(c.expiresIn, func(t *testing.T) {
			ts := newTokenServer(t, &key(t).PublicKey)
			ts.answer = func(w http.ResponseWriter, n int32) {
				w.Header().Set("Content-Type", "application/json;charset=UTF-8")
				fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"Bearer","expires_in":%s,"scope":"ks:fiks"}`, n, c.expiresIn)
			}
			var mu sync.Mutex
			now := time.Date(2025, 5, 5, 10, 0, 0, 0, time.UTC)
			s := newSource(t, ts.URL+"/token", func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, false)
			if tok, err := s.Token(context.Background()); err != nil || tok != "token-1" {
				t.Fatalf("Token = %q, %v; want token-1", tok, err)
			}
			mu.Lock()
			now = now.Add(80 * time.Second)
			mu.Unlock()
			want := "token-2"
			if c.cached {
				want = "token-1"
			}
			if tok, err := s.Token(context.Background()); err != nil || tok != want {
				t.Errorf("at +80 s: %q, %v; want %s", tok, err, want)
			}
		})
	}
}

// TestRefreshFailureKeepsAValidToken: a token is renewed 30 s before it
// expires; when Maskinporten fails that renewal (5xx after the retries),
// the token it still has is good for those seconds and is used, so that a
// short outage of the token endpoint fails no call. Past its expiry (less
// a margin for the call to reach the service) the failure is the answer.
func TestRefreshFailureKeepsAValidToken(t *testing.T) {
	ts := newTokenServer(t, &key(t).PublicKey)
	ts.answer = func(w http.ResponseWriter, n int32) {
		if n > 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"Bearer","expires_in":120}`, n)
	}
	var mu sync.Mutex
	now := time.Date(2025, 5, 5, 10, 0, 0, 0, time.UTC)
	s := newSource(t, ts.URL+"/token", func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, false)
	ctx := context.Background()
	for _, st := range []struct {
		at   time.Duration
		want string // "" an error
	}{
		{0, "token-1"},
		{95 * time.Second, "token-1"},  // renewal failed, 25 s left
		{100 * time.Second, "token-1"}, // asked again, failed again
		{118 * time.Second, ""},        // 2 s left: too little for a call
	} {
		mu.Lock()
		now = time.Date(2025, 5, 5, 10, 0, 0, 0, time.UTC).Add(st.at)
		mu.Unlock()
		tok, err := s.Token(ctx)
		if tok != st.want || (err == nil) != (st.want != "") {
			t.Fatalf("at +%s: Token = %q, %v; want %q", st.at, tok, err, st.want)
		}
	}
	if n := ts.hits.Load(); n < 1+3*4 {
		t.Errorf("%d token requests: want every renewal tried (with its retries)", n)
	}
}
