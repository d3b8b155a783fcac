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
