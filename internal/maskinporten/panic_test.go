package maskinporten

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/httpfake"
)

// TestPanicInATokenFetchIsItsError: a panic in a token fetch (its own
// goroutine, which other callers may wait for) is the fetch's error, not
// the end of the process the job asking for a token runs in.
func TestPanicInATokenFetchIsItsError(t *testing.T) {
	s, err := New(Config{TokenURL: "https://test.maskinporten.no/token", ClientID: "c", KeyFile: writeKey(t, true), Scope: "s"}, httpfake.Panicking{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("token error %v, want the panic", err)
	}
}
