package maskinporten

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/httpclient"
)

// panicky is an HTTP client that panics (an answer a layer below the
// source did not expect).
type panicky struct{}

func (panicky) Do(context.Context, httpclient.Request) (*httpclient.Response, error) {
	var m map[string]int
	m["answer"]++ // assignment to entry in nil map
	return nil, nil
}

// TestPanicInATokenFetchIsItsError: a panic in a token fetch (its own
// goroutine, which other callers may wait for) is the fetch's error, not
// the end of the process the job asking for a token runs in.
func TestPanicInATokenFetchIsItsError(t *testing.T) {
	s, err := New(Config{TokenURL: "https://test.maskinporten.no/token", ClientID: "c", KeyFile: writeKey(t, true), Scope: "s"}, panicky{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("token error %v, want the panic", err)
	}
}
