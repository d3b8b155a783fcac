package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestTokenEndpoint(t *testing.T) {
	key := clientKey(t)
	e := newEnv(t, loadScenario(t, "demo"), 1, Options{ClientPublicKeyPEM: publicPEM(t, key), Audience: "https://test.maskinporten.no/", KeyID: testKeyID})
	client := e.sim.opts.ClientID
	otherKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	signedBy := func(k *rsa.PrivateKey) string {
		now := time.Now()
		s, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": client, "aud": "https://test.maskinporten.no/",
			"scope": "ks:fiks", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "other-key"}).SignedString(k)
		return s
	}
	unsigned, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": client, "aud": "https://test.maskinporten.no/",
		"scope": "ks:fiks", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(), "jti": "none"}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	reused := grant(t, client, func(c jwt.MapClaims) { c["jti"] = "used-twice" })
	cases := []struct {
		name      string
		grantType string
		assertion string
		want      int
		errSubstr string
	}{
		{"good", jwtGrantType, grant(t, client, nil), 200, ""},
		{"wrong grant type", "client_credentials", grant(t, client, nil), 400, "unsupported_grant_type"},
		{"no assertion", jwtGrantType, "", 400, "invalid_request"},
		{"not a jwt", jwtGrantType, "abc.def", 400, "invalid_grant"},
		{"other key", jwtGrantType, signedBy(otherKey), 400, "invalid_grant"},
		{"alg none", jwtGrantType, unsigned, 400, "invalid_grant"},
		{"no kid (Maskinporten requires kid or x5c)", jwtGrantType, grant(t, client, func(c jwt.MapClaims) { c["test:kid"] = nil }), 400, "kid"},
		{"another key's kid", jwtGrantType, grant(t, client, func(c jwt.MapClaims) { c["test:kid"] = "old-key" }), 400, "kid"},
		{"unknown client", jwtGrantType, grant(t, "someone-else", nil), 400, "unknown client"},
		{"wrong audience", jwtGrantType, grant(t, client, func(c jwt.MapClaims) { c["aud"] = "https://maskinporten.no/" }), 400, "aud"},
		{"no scope", jwtGrantType, grant(t, client, func(c jwt.MapClaims) { delete(c, "scope") }), 400, "scope"},
		{"no jti", jwtGrantType, grant(t, client, func(c jwt.MapClaims) { delete(c, "jti") }), 400, "jti"},
		{"expired", jwtGrantType, grant(t, client, func(c jwt.MapClaims) {
			c["iat"], c["exp"] = time.Now().Add(-5*time.Minute).Unix(), time.Now().Add(-4*time.Minute).Unix()
		}), 400, "expired"},
		{"lives too long", jwtGrantType, grant(t, client, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(10 * time.Minute).Unix() }), 400, "more than"},
		{"first use of a jti", jwtGrantType, reused, 200, ""},
		{"second use of a jti", jwtGrantType, reused, 400, "used before"},
	}
	before := e.sim.TokenRequests()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, data := e.postForm("/token", url.Values{"grant_type": {c.grantType}, "assertion": {c.assertion}})
			if resp.StatusCode != c.want || !strings.Contains(string(data), c.errSubstr) {
				t.Fatalf("%d %s; want %d containing %q", resp.StatusCode, data, c.want, c.errSubstr)
			}
			if c.want == 200 {
				tr := decode[map[string]any](t, data)
				if tr["token_type"] != "Bearer" || tr["expires_in"].(float64) != 120 || tr["scope"] == "" || tr["access_token"] == "" {
					t.Fatalf("answer %s", data)
				}
			}
		})
	}
	if got := e.sim.TokenRequests() - before; got != int64(len(cases)) {
		t.Errorf("counted %d token requests, made %d", got, len(cases))
	}
}

func TestTokenWithoutKeyChecksClaimsOnly(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 1, Options{})
	tok := e.token() // signed by a key the simulator does not know: fine without one configured
	if resp, _ := e.do(e.request(http.MethodGet, altinnBase+"?resourceId=x&role=Sender", nil, bearer(tok))); resp.StatusCode != 200 {
		t.Fatalf("token not accepted: %d", resp.StatusCode)
	}
	// Altinn's exchange gives another token that works too.
	resp, data := e.do(e.request(http.MethodGet, "/authentication/api/v1/exchange/maskinporten", nil, bearer(tok)))
	altinnTok := string(data)
	if resp.StatusCode != 200 || altinnTok == tok {
		t.Fatalf("exchange: %d %s", resp.StatusCode, data)
	}
	if resp, _ := e.do(e.request(http.MethodGet, altinnBase+"?resourceId=x&role=Sender", nil, bearer(altinnTok))); resp.StatusCode != 200 {
		t.Fatalf("exchanged token not accepted: %d", resp.StatusCode)
	}
	// An expired token is refused (expiry is real time; forge one instead of waiting).
	e.sim.tokens.mu.Lock()
	e.sim.tokens.tokens["sim.expired"] = issuedToken{clientID: "x", scope: "ks:fiks", expires: time.Now().Add(-time.Second)}
	e.sim.tokens.mu.Unlock()
	if resp, _ := e.do(e.request(http.MethodGet, altinnBase+"?resourceId=x&role=Sender", nil, bearer("sim.expired"))); resp.StatusCode != 401 {
		t.Fatalf("expired token: %d", resp.StatusCode)
	}
}

func TestRequireScopes(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 1, Options{RequireScopes: true})
	resp, data := e.postForm("/token", url.Values{"grant_type": {jwtGrantType}, "assertion": {grant(t, e.sim.opts.ClientID, func(c jwt.MapClaims) { c["scope"] = "ks:fiks" })}})
	tok := decode[map[string]any](t, data)["access_token"].(string)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	// Altinn Correspondence answers a token its policy refuses as the
	// service does: 403 without a body (ASP.NET's Forbid), on the search
	// and on the details.
	sh := e.findShipment(func(s *shipment) bool { return s.channel == "altinn" })
	for _, path := range []string{altinnBase + "?resourceId=x&role=Sender", altinnBase + "/" + sh.id + "/details"} {
		if resp, data := e.do(e.request(http.MethodGet, path, nil, bearer(tok))); resp.StatusCode != http.StatusForbidden || len(data) != 0 {
			t.Errorf("altinn %s with ks:fiks only: %d %q; want 403 without a body", path, resp.StatusCode, data)
		}
	}
	// No token it takes: 401 without a body, the framework's challenge.
	if resp, data := e.do(e.request(http.MethodGet, altinnBase+"?resourceId=x&role=Sender", nil, bearer("sim.unknown"))); resp.StatusCode != http.StatusUnauthorized ||
		len(data) != 0 || resp.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("altinn with an unknown token: %d %q %v; want 401 without a body, WWW-Authenticate: Bearer", resp.StatusCode, data, resp.Header)
	}
	sh = e.findShipment(func(s *shipment) bool { return s.channel == "svarut" })
	if resp, _ := e.do(e.request(http.MethodGet, "/v2/forsendelser/"+sh.id+"/hendelser", nil, e.svarutHeaders(tok))); resp.StatusCode != 200 {
		t.Errorf("svarut with ks:fiks: %d", resp.StatusCode)
	}
}
