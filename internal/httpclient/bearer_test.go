package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// tokens hands out token-1, token-2, … and drops the cached one on
// Invalidate, as maskinporten.Source does.
type tokens struct {
	n           int
	cached      string
	invalidated []string
}

func (s *tokens) Token(context.Context) (string, error) {
	if s.cached == "" {
		s.n++
		s.cached = "token-" + string(rune('0'+s.n))
	}
	return s.cached, nil
}

func (s *tokens) Invalidate(tok string) bool {
	s.invalidated = append(s.invalidated, tok)
	if s.cached == tok {
		s.cached = ""
	}
	return true
}

// plain cannot drop a token.
type plain struct{}

func (plain) Token(context.Context) (string, error) { return "fixed", nil }

// TestUnauthorizedRenewsTheTokenOnce: a 401 drops the refused token and
// the request goes once more with a new one; a second 401 is the answer;
// a source that cannot drop tokens gets no second request. A 403 renews
// nothing through Bearer.Unauthorized (to most services it is not about
// the token), but a hook that takes it for the token's (Renew) gets the
// same one renewal as a 401.
func TestUnauthorizedRenewsTheTokenOnce(t *testing.T) {
	for _, c := range []struct {
		name      string
		code      int                    // the refusal's status
		refuse    func(auth string) bool // refuse this Authorization
		source    TokenSource
		renewOn   bool // the hook is one that renews on any refusal (Renew)
		wantCode  int
		wantSent  int32
		wantDrops string
	}{
		{"revoked token renewed", 401, func(a string) bool { return a == "Bearer token-1" }, &tokens{}, false, 200, 2, "token-1"},
		{"refused again", 401, func(string) bool { return true }, &tokens{}, false, 401, 2, "token-1"},
		{"source cannot renew", 401, func(string) bool { return true }, plain{}, false, 401, 1, ""},
		{"403 is not the token's to Bearer.Unauthorized", 403, func(a string) bool { return a == "Bearer token-1" }, &tokens{}, false, 403, 1, ""},
		{"403 the hook takes for the token's renewed", 403, func(a string) bool { return a == "Bearer token-1" }, &tokens{}, true, 200, 2, "token-1"},
		{"403 the hook takes for the token's, again", 403, func(string) bool { return true }, &tokens{}, true, 403, 2, "token-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sent atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				if c.refuse(r.Header.Get("Authorization")) {
					w.WriteHeader(c.code)
					return
				}
				_, _ = w.Write([]byte("ok"))
			}))
			defer srv.Close()
			cl := newTestClient(t, Options{BaseURL: srv.URL, MaxRetries: 2})
			b := NewBearer(c.source)
			hook := b.Unauthorized
			if c.renewOn {
				hook = func(*Response) bool { return b.Renew() }
			}
			_, err := cl.Do(context.Background(), Request{Op: "status", Method: http.MethodGet, Path: "/x"}.With(b.Set, hook))
			var se *StatusError
			switch {
			case c.wantCode == 200 && err != nil, c.wantCode != 200 && (!errors.As(err, &se) || se.StatusCode != c.wantCode):
				t.Fatalf("answer %v, want %d", err, c.wantCode)
			}
			if sent.Load() != c.wantSent {
				t.Errorf("%d requests, want %d", sent.Load(), c.wantSent)
			}
			if s, ok := c.source.(*tokens); ok && strings.Join(s.invalidated, ",") != c.wantDrops {
				t.Errorf("dropped %v, want %q", s.invalidated, c.wantDrops)
			}
		})
	}
}
