package maskinporten

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"postvakt/internal/httpclient"
)

// mpTokens is a Maskinporten token source whose token the test changes.
type mpTokens struct {
	mu  sync.Mutex
	tok string
}

func (m *mpTokens) Token(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tok, nil
}

func (m *mpTokens) set(tok string) { m.mu.Lock(); m.tok = tok; m.mu.Unlock() }

// TestExchangeFailureKeepsAValidToken: an Altinn token is exchanged anew
// 30 s before it expires and whenever the Maskinporten token changes; when
// that exchange fails (Altinn answers the exchange 401 while its register
// is down, or 5xx), the Altinn token it gave before is used while it has
// time left, so that the exchange's outage fails no call a valid token
// could make. Past its expiry (less a margin) the failure is the answer.
func TestExchangeFailureKeepsAValidToken(t *testing.T) {
	t0 := time.Date(2025, 5, 5, 10, 0, 0, 0, time.UTC)
	altinnToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(t0.Add(30 * time.Minute))}).
		SignedString([]byte("altinn-test-key"))
	if err != nil {
		t.Fatal(err)
	}
	var refuse atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(altinnToken))
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{Name: "altinn-exchange", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := t0
	mp := &mpTokens{tok: "mp-1"}
	e := NewExchanger(srv.URL, hc, mp, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	ctx := context.Background()
	if tok, err := e.Token(ctx); tok != altinnToken || err != nil {
		t.Fatalf("first exchange: %q, %v", tok, err)
	}
	refuse.Store(true)
	for _, st := range []struct {
		what string
		at   time.Duration
		mp   string
		ok   bool
	}{
		{"a new Maskinporten token, the exchange refusing", 2 * time.Minute, "mp-2", true},
		{"the renewal 30 s before the expiry failing", 30*time.Minute - 20*time.Second, "mp-2", true},
		{"10 s left: too little for a call", 30*time.Minute - 10*time.Second, "mp-2", false},
	} {
		mu.Lock()
		now = t0.Add(st.at)
		mu.Unlock()
		mp.set(st.mp)
		tok, err := e.Token(ctx)
		if st.ok && (tok != altinnToken || err != nil) || !st.ok && err == nil {
			t.Fatalf("%s: Token = %q, %v; want the token %v", st.what, tok, err, st.ok)
		}
	}
}
