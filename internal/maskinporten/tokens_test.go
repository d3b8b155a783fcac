package maskinporten

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestExchangeOutageSparesMaskinporten: Altinn's token exchange is another
// service than Maskinporten; its outage (5xx after every retry, call after
// call) must not open a breaker that Maskinporten's token requests go
// through, or SvarUt (which needs no exchange) could get no token while
// Maskinporten answers.
func TestExchangeOutageSparesMaskinporten(t *testing.T) {
	ts := newTokenServer(t, &key(t).PublicKey)
	exchange := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer exchange.Close()
	tokens := NewTokens(Client{URL: ts.URL + "/token", ClientID: "client-123", KeyFile: writeKey(t, false), KeyID: "kid-1",
		ExchangeURL: exchange.URL}, slog.New(slog.DiscardHandler), nil)
	mp, err := tokens.Source("ks:fiks")
	if err != nil {
		t.Fatal(err)
	}
	altinn, err := tokens.Altinn("ks:fiks")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 6 {
		if _, err := altinn.Token(ctx); err == nil {
			t.Fatalf("exchange %d: want the 503", i+1)
		}
	}
	tok, err := mp.Token(ctx)
	if err != nil {
		t.Fatalf("the cached Maskinporten token: %v", err)
	}
	if !mp.(*Source).Invalidate(tok) {
		t.Fatal("Invalidate refused the first renewal")
	}
	if tok, err := mp.Token(ctx); err != nil || tok == "" {
		t.Fatalf("a new Maskinporten token while only the exchange is down: %q, %v", tok, err)
	}
}
