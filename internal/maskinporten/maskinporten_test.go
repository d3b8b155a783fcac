package maskinporten

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"postvakt/internal/httpclient"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// writeKey writes the test key as PKCS#1 or PKCS#8 PEM and returns the path.
func writeKey(t *testing.T, pkcs8 bool) string {
	t.Helper()
	k := key(t)
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	if pkcs8 {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tokenServer is a fake Maskinporten token endpoint that verifies every
// grant with the public key and answers with token n (n = hit count).
type tokenServer struct {
	*httptest.Server
	hits   atomic.Int32
	answer func(w http.ResponseWriter, n int32) // nil: a valid token
}

func newTokenServer(t *testing.T, pub *rsa.PublicKey) *tokenServer {
	ts := &tokenServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.hits.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/token" {
			t.Errorf("got %s %s, want POST /token", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			t.Errorf("Content-Type %q, want a form", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		if g := r.PostForm.Get("grant_type"); g != GrantType {
			t.Errorf("grant_type %q", g)
		}
		checkGrant(t, r.PostForm.Get("assertion"), pub, "http://"+r.Host+"/")
		if ts.answer != nil {
			ts.answer(w, n)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"Bearer","expires_in":120,"scope":"ks:fiks"}`, n)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// checkGrant verifies the grant's RS256 signature with pub and its claims.
func checkGrant(t *testing.T, grant string, pub *rsa.PublicKey, aud string) {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(grant, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(aud), jwt.WithIssuer("client-123"),
		jwt.WithIssuedAt(), jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return time.Unix(int64(claims["iat"].(float64)), 0) }))
	if err != nil {
		t.Errorf("grant does not verify with the public key: %v", err)
		return
	}
	if tok.Header["kid"] != "kid-1" {
		t.Errorf("kid header %v", tok.Header["kid"])
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if d := exp.Sub(iat.Time); d <= 0 || d > MaxGrantTTL {
		t.Errorf("grant lifetime %v, want (0, 120s]", d)
	}
	if claims["scope"] != "ks:fiks" || claims["jti"] == "" || claims["jti"] == nil {
		t.Errorf("claims %v", claims)
	}
}

func newSource(t *testing.T, url string, now func() time.Time, pkcs8 bool) *Source {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{Name: "maskinporten", Logger: slog.New(slog.DiscardHandler), BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{TokenURL: url, ClientID: "client-123", KeyFile: writeKey(t, pkcs8), KeyID: "kid-1", Scope: "ks:fiks", Now: now}, hc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenPKCS1AndPKCS8(t *testing.T) {
	for _, pkcs8 := range []bool{false, true} {
		t.Run(fmt.Sprintf("pkcs8=%v", pkcs8), func(t *testing.T) {
			ts := newTokenServer(t, &key(t).PublicKey)
			s := newSource(t, ts.URL, nil, pkcs8) // no path: /token is added
			tok, err := s.Token(context.Background())
			if err != nil || tok != "token-1" {
				t.Fatalf("Token = %q, %v", tok, err)
			}
		})
	}
}

func TestTokenCachedAndShared(t *testing.T) {
	ts := newTokenServer(t, &key(t).PublicKey)
	var mu sync.Mutex
	now := time.Date(2025, 5, 5, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newSource(t, ts.URL+"/token", clock, false)

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if tok, err := s.Token(context.Background()); err != nil || tok != "token-1" {
				t.Errorf("Token = %q, %v", tok, err)
			}
		})
	}
	wg.Wait()
	if n := ts.hits.Load(); n != 1 {
		t.Fatalf("token endpoint hit %d times for 50 concurrent callers, want 1", n)
	}

	mu.Lock()
	now = now.Add(80 * time.Second) // 120s token, refreshed 30s early: still good
	mu.Unlock()
	if tok, _ := s.Token(context.Background()); tok != "token-1" || ts.hits.Load() != 1 {
		t.Fatalf("at +80s: %q after %d hits, want the cached token", tok, ts.hits.Load())
	}
	mu.Lock()
	now = now.Add(15 * time.Second) // +95s: within 30s of expiry
	mu.Unlock()
	if tok, _ := s.Token(context.Background()); tok != "token-2" || ts.hits.Load() != 2 {
		t.Fatalf("at +95s: %q after %d hits, want a new token", tok, ts.hits.Load())
	}
}

// TestInvalidateFetchesANewToken: a token a service refused is dropped,
// and the next caller gets a new one; dropping a token already replaced
// drops nothing. A service that refuses the new token too, within
// RenewAtMostEvery, gets it again (Invalidate says the call should not go
// once more): one token request a minute, not one per call.
func TestInvalidateFetchesANewToken(t *testing.T) {
	ts := newTokenServer(t, &key(t).PublicKey)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newSource(t, ts.URL+"/token", clock, false)
	ctx := context.Background()
	if tok, _ := s.Token(ctx); tok != "token-1" {
		t.Fatalf("first token %q", tok)
	}
	// Each step: time passes, a service refuses a token, the next caller
	// gets a token.
	for _, st := range []struct {
		what    string
		after   time.Duration
		refused string
		renew   bool // Invalidate says the refused call should go once more
		want    string
		fetches int32
	}{
		{"the first refusal", 0, "token-1", true, "token-2", 2},
		{"a late caller's refusal of the replaced one", 0, "token-1", true, "token-2", 2},
		{"a second refusal within the minute", RenewAtMostEvery / 2, "token-2", false, "token-2", 2},
		{"a refusal a minute after the last renewal", RenewAtMostEvery / 2, "token-2", true, "token-3", 3},
	} {
		mu.Lock()
		now = now.Add(st.after)
		mu.Unlock()
		renew := s.Invalidate(st.refused)
		if tok, _ := s.Token(ctx); renew != st.renew || tok != st.want || ts.hits.Load() != st.fetches {
			t.Fatalf("%s: renew %v, then %q after %d fetches; want %v, %q after %d",
				st.what, renew, tok, ts.hits.Load(), st.renew, st.want, st.fetches)
		}
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, n int32)
		want   string
	}{
		{"oauth error", func(w http.ResponseWriter, _ int32) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed."}`))
		}, "invalid_grant"},
		{"html", func(w http.ResponseWriter, _ int32) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<html><body>Maintenance</body></html>`))
		}, "Maintenance"},
		{"no token", func(w http.ResponseWriter, _ int32) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"token_type":"Bearer","expires_in":120}`))
		}, "no access_token"},
		{"wrong type", func(w http.ResponseWriter, _ int32) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"x","token_type":"MAC","expires_in":120}`))
		}, "token_type"},
		{"403", func(w http.ResponseWriter, _ int32) { w.WriteHeader(403) }, "HTTP 403"},
		// An error that echoes the grant: said, the grant not shown.
		{"oauth error echoing the grant", func(w http.ResponseWriter, _ int32) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad grant assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"}`))
		}, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t, &key(t).PublicKey)
			ts.answer = tt.answer
			s := newSource(t, ts.URL, nil, false)
			tok, err := s.Token(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) || tok != "" {
				t.Fatalf("Token = %q, %v; want an error mentioning %q", tok, err, tt.want)
			}
			if strings.Contains(err.Error(), "eyJ") {
				t.Errorf("the error shows a grant: %v", err)
			}
			// A failed fetch is not cached: the next call asks again.
			_, _ = s.Token(context.Background())
			if ts.hits.Load() != 2 {
				t.Fatalf("hits %d, want 2", ts.hits.Load())
			}
		})
	}
}

func TestTokenRetriedOn5xx(t *testing.T) {
	ts := newTokenServer(t, &key(t).PublicKey)
	ts.answer = func(w http.ResponseWriter, n int32) {
		if n == 1 {
			w.WriteHeader(503)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "after-retry", "token_type": "Bearer", "expires_in": 60})
	}
	s := newSource(t, ts.URL, nil, false)
	if tok, err := s.Token(context.Background()); err != nil || tok != "after-retry" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
}

func TestTokenCallerCancel(t *testing.T) {
	release := make(chan struct{})
	ts := newTokenServer(t, &key(t).PublicKey)
	ts.answer = func(w http.ResponseWriter, _ int32) {
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"late","token_type":"Bearer","expires_in":120}`))
	}
	s := newSource(t, ts.URL, nil, false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Token(ctx); err == nil {
		t.Fatal("want the caller's deadline")
	}
	close(release)
	// The fetch went on for others and its token is used.
	if tok, err := s.Token(context.Background()); err != nil || tok != "late" || ts.hits.Load() != 1 {
		t.Fatalf("Token = %q, %v after %d hits", tok, err, ts.hits.Load())
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	hc, _ := httpclient.New(httpclient.Options{Name: "maskinporten"})
	bad := filepath.Join(t.TempDir(), "bad.pem")
	_ = os.WriteFile(bad, []byte("not a key"), 0o600)
	for _, cfg := range []Config{
		{},
		{TokenURL: "maskinporten.no/token", ClientID: "c", KeyFile: bad, Scope: "s"},
		{TokenURL: "https://maskinporten.no/token", ClientID: "c", KeyFile: bad, Scope: "s"},
		{TokenURL: "https://maskinporten.no/token", ClientID: "c", KeyFile: "/does/not/exist", Scope: "s"},
	} {
		if _, err := New(cfg, hc); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	s, err := New(Config{TokenURL: "https://test.maskinporten.no/token", ClientID: "c", KeyFile: writeKey(t, true), Scope: "s"}, hc)
	if err != nil || s.cfg.Audience != "https://test.maskinporten.no/" {
		t.Fatalf("default audience: %v %v", s, err)
	}
}
