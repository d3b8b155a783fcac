package sim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// quietLogger keeps the simulator's logs out of test output.
var quietLogger = slog.New(slog.DiscardHandler)

// testStart is where the manual clock of most tests stands.
var testStart = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// clientKey returns an RSA key for signing grants, made once per run.
func clientKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

func publicPEM(t testing.TB, k *rsa.PrivateKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// env is a simulator on a loopback test server with a manual clock.
type env struct {
	t     testing.TB
	sim   *Sim
	srv   *httptest.Server
	clock *ManualClock
}

func loadScenario(t testing.TB, name string) *Scenario {
	t.Helper()
	sc, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func newEnv(t testing.TB, sc *Scenario, seed int64, opts Options) *env {
	t.Helper()
	clock := NewManualClock(testStart)
	if opts.Logger == nil {
		opts.Logger = quietLogger
	}
	s, err := New(sc, seed, clock, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, sim: s, srv: srv, clock: clock}
}

// grant makes an RS256-signed JWT grant; mutate may change the claims.
// testKeyID is the client's key id the token tests' grants name.
const testKeyID = "test-key"

func grant(t testing.TB, clientID string, mutate func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": clientID, "aud": "https://test.maskinporten.no/", "scope": "ks:fiks altinn:serviceowner",
		"iat": now.Unix(), "exp": now.Add(100 * time.Second).Unix(), "jti": newUUID(derivedRand(now.UnixNano(), clientID)),
	}
	if mutate != nil {
		mutate(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = testKeyID
	if kid, ok := claims["test:kid"]; ok { // a header of the test's own
		delete(claims, "test:kid")
		tok.Header["kid"] = kid
		if kid == nil {
			delete(tok.Header, "kid")
		}
	}
	s, err := tok.SignedString(clientKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// token fetches an access token from the simulator's token endpoint.
func (e *env) token() string {
	e.t.Helper()
	return e.tokenWith(nil)
}

// tokenWithScope fetches an access token with the given scope.
func (e *env) tokenWithScope(scope string) string {
	e.t.Helper()
	return e.tokenWith(func(c jwt.MapClaims) { c["scope"] = scope })
}

// exchange swaps a Maskinporten token for an Altinn token with its scopes
// at the simulator's token exchange, as Notifications and Profile want.
func (e *env) exchange(maskinporten string) string {
	e.t.Helper()
	resp, data := e.do(e.request(http.MethodGet, "/authentication/api/v1/exchange/maskinporten", nil, bearer(maskinporten)))
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("exchange: %d %s", resp.StatusCode, data)
	}
	return string(data)
}

func (e *env) tokenWith(mutate func(jwt.MapClaims)) string {
	e.t.Helper()
	resp, body := e.postForm("/token", url.Values{"grant_type": {jwtGrantType}, "assertion": {grant(e.t, e.sim.opts.ClientID, mutate)}})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		e.t.Fatal(err)
	}
	return tr.AccessToken
}

func (e *env) postForm(path string, v url.Values) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// request builds a request with an optional JSON body and headers.
func (e *env) request(method, path string, body any, headers map[string]string) *http.Request {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

func (e *env) do(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, data
}

// svarutHeaders are valid SvarUt v2 credentials.
func (e *env) svarutHeaders(tok string) map[string]string {
	return map[string]string{
		"Authorization": "Bearer " + tok, "IntegrasjonId": e.sim.opts.IntegrasjonID, "IntegrasjonPassord": e.sim.opts.IntegrasjonPassord,
	}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func decode[T any](t testing.TB, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

// findShipment returns the first shipment matching ok.
func (e *env) findShipment(ok func(*shipment) bool) *shipment {
	e.t.Helper()
	for _, sh := range e.sim.w.shipments {
		if ok(sh) {
			return sh
		}
	}
	e.t.Fatal("no shipment matches")
	return nil
}

func lastStatus(sh *shipment) string { return sh.events[len(sh.events)-1].status }

func hasStatus(sh *shipment, status string) (time.Time, bool) {
	for _, ev := range sh.events {
		if ev.status == status {
			return ev.at, true
		}
	}
	return time.Time{}, false
}
