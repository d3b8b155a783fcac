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
// a source that cannot drop tokens gets no second request.
func TestUnauthorizedRenewsTheTokenOnce(t *testing.T) {
	for _, c := range []struct {
		name      string
		refuse    func(auth string) bool // answer 401 to this Authorization
		source    TokenSource
		wantCode  int
		wantSent  int32
		wantDrops string
	}{
		{"revoked token renewed", func(a string) bool { return a == "Bearer token-1" }, &tokens{}, 200, 2, "token-1"},
		{"refused again", func(string) bool { return true }, &tokens{}, 401, 2, "token-1"},
		{"source cannot renew", func(string) bool { return true }, plain{}, 401, 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sent atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				if c.refuse(r.Header.Get("Authorization")) {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				_, _ = w.Write([]byte("ok"))
			}))
			defer srv.Close()
			cl := newTestClient(t, Options{BaseURL: srv.URL, MaxRetries: 2})
			b := NewBearer(c.source)
			_, err := cl.Do(context.Background(), Request{Op: "status", Method: http.MethodGet, Path: "/x"}.With(b.Set, b.Unauthorized))
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
