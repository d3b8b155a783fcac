package sim

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtGrantType is the OAuth grant type of a Maskinporten JWT grant.
const jwtGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// maxGrantLifetime is the longest exp − iat Maskinporten accepts.
const maxGrantLifetime = 120 * time.Second

// grantLeeway tolerates clock skew between the client and the simulator.
const grantLeeway = 10 * time.Second

// issuedToken is an access token the simulator handed out.
type issuedToken struct {
	clientID string
	scope    string
	expires  time.Time // real time
	// altinn: an Altinn token (the exchange's); else a Maskinporten one.
	altinn bool
	// foreign: a Maskinporten token of the other environment (see
	// otherEnvironment): no Altinn API takes it.
	foreign bool
}

// tokenStore holds issued tokens and the jti of every grant seen (a grant
// may be used once).
type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]issuedToken
	jtis   map[string]time.Time // jti → real time it may be forgotten
}

func newTokenStore() *tokenStore {
	return &tokenStore{tokens: map[string]issuedToken{}, jtis: map[string]time.Time{}}
}

func (ts *tokenStore) issue(t issuedToken) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := "sim." + hex.EncodeToString(b)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := time.Now()
	for k, v := range ts.tokens { // forget long-expired tokens now and then
		if len(ts.tokens) < 10000 {
			break
		}
		if now.After(v.expires.Add(time.Hour)) {
			delete(ts.tokens, k)
		}
	}
	ts.tokens[tok] = t
	return tok
}

func (ts *tokenStore) lookup(tok string) (issuedToken, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.tokens[tok]
	if !ok || time.Now().After(t.expires) {
		return issuedToken{}, false
	}
	return t, true
}

// useJTI records a grant's jti; false when it was used before.
func (ts *tokenStore) useJTI(jti string, until time.Time) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := time.Now()
	if len(ts.jtis) > 10000 {
		for k, v := range ts.jtis {
			if now.After(v) {
				delete(ts.jtis, k)
			}
		}
	}
	if exp, seen := ts.jtis[jti]; seen && now.Before(exp) {
		return false
	}
	ts.jtis[jti] = until
	return true
}

func (s *Sim) tokenRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /token", s.handleToken)
	mux.HandleFunc("GET /authentication/api/v1/exchange/maskinporten", s.handleExchange)
}

// oauthError answers an OAuth 2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// handleToken is the Maskinporten-style token endpoint: a JWT grant in, an
// access token out.
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	s.tokenRequests.Add(1)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != jwtGrantType {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type must be %s, not %q", jwtGrantType, gt))
		return
	}
	assertion := r.PostForm.Get("assertion")
	if assertion == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "assertion is missing")
		return
	}
	claims, err := s.checkGrant(assertion)
	if err != nil {
		s.logger.Info("token grant refused", "error", err)
		oauthError(w, http.StatusBadRequest, "invalid_grant", err.Error())
		return
	}
	noteIDs(r, claims.iss)
	tok := s.tokens.issue(issuedToken{clientID: claims.iss, scope: claims.scope, expires: time.Now().Add(s.opts.TokenTTL),
		foreign: s.otherEnvironment(claims.aud)})
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(s.opts.TokenTTL / time.Second),
		"scope":        claims.scope,
	})
}

// clientKey is the key a grant is checked with, once its header names it:
// Maskinporten requires kid (a registered key) or x5c (a certificate).
func (s *Sim) clientKey(t *jwt.Token) (any, error) {
	if kid, _ := t.Header["kid"].(string); kid != s.opts.KeyID && t.Header["x5c"] == nil {
		return nil, fmt.Errorf("the grant's header has kid %q, not the client's key id %q, and no x5c", kid, s.opts.KeyID)
	}
	return s.pubKey, nil
}

// grantClaims are the checked claims of a JWT grant.
type grantClaims struct {
	iss, scope string
	aud        []string
}

// prodMaskinporten is the host of production Maskinporten, the grant
// audience of its tokens (https://maskinporten.no/).
const prodMaskinporten = "maskinporten.no"

// otherEnvironment reports whether a grant's audience names the other
// Maskinporten environment than the simulated platform's. The simulator
// plays Altinn's test environment (TT02, whose Correspondence takes
// test.maskinporten.no's tokens): without Options.Audience, which refuses
// every other audience at the token endpoint, a grant for production
// Maskinporten (https://maskinporten.no/) gets a token, as production
// Maskinporten would give one, but the simulated Altinn APIs do not take
// it (Correspondence: 403 IDX10205, see altinnAuthorised; the exchange,
// Notifications and Profile: 401).
func (s *Sim) otherEnvironment(aud []string) bool {
	if s.opts.Audience != "" {
		return false
	}
	for _, a := range aud {
		if u, err := url.Parse(a); err == nil && strings.EqualFold(u.Hostname(), prodMaskinporten) {
			return true
		}
	}
	return false
}

// checkGrant verifies a JWT grant: the RS256 signature when the client's key
// is configured, and always the claims iss, aud, scope, iat, exp and jti.
// Times are checked against the real clock: the client signs with it.
func (s *Sim) checkGrant(assertion string) (grantClaims, error) {
	claims := jwt.MapClaims{}
	if s.pubKey != nil {
		_, err := jwt.ParseWithClaims(assertion, claims, s.clientKey,
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithLeeway(grantLeeway), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		if err != nil {
			return grantClaims{}, fmt.Errorf("grant rejected: %w", err)
		}
	} else {
		if _, _, err := jwt.NewParser().ParseUnverified(assertion, claims); err != nil {
			return grantClaims{}, fmt.Errorf("grant is not a JWT: %w", err)
		}
	}
	iss, _ := claims.GetIssuer()
	if iss == "" {
		return grantClaims{}, errors.New("grant has no iss (the client id)")
	}
	if s.opts.ClientID != "" && iss != s.opts.ClientID {
		return grantClaims{}, fmt.Errorf("unknown client %q", iss)
	}
	aud, _ := claims.GetAudience()
	if len(aud) == 0 || aud[0] == "" {
		return grantClaims{}, errors.New("grant has no aud")
	}
	if s.opts.Audience != "" && !contains(aud, s.opts.Audience) {
		return grantClaims{}, fmt.Errorf("aud %v is not %q", []string(aud), s.opts.Audience)
	}
	scope, _ := claims["scope"].(string)
	if strings.TrimSpace(scope) == "" {
		return grantClaims{}, errors.New("grant has no scope")
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return grantClaims{}, errors.New("grant has no iat")
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return grantClaims{}, errors.New("grant has no exp")
	}
	now := time.Now()
	if now.After(exp.Add(grantLeeway)) {
		return grantClaims{}, errors.New("grant has expired")
	}
	if iat.After(now.Add(grantLeeway)) {
		return grantClaims{}, errors.New("grant is issued in the future")
	}
	if exp.Sub(iat.Time) > maxGrantLifetime {
		return grantClaims{}, fmt.Errorf("grant lives %s, more than %s", exp.Sub(iat.Time), maxGrantLifetime)
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return grantClaims{}, errors.New("grant has no jti")
	}
	if !s.tokens.useJTI(jti, exp.Add(grantLeeway)) {
		return grantClaims{}, fmt.Errorf("grant jti %q was used before", jti)
	}
	return grantClaims{iss: iss, scope: scope, aud: aud}, nil
}

// handleExchange mimics Altinn's exchange of a Maskinporten token for an
// Altinn token with the same scopes: the answer is the new token as plain
// text. It answers 401 to anything but a Maskinporten token of its own
// environment, as the exchange does to a token it cannot validate.
// Correspondence takes both kinds, Notifications and Profile only its
// tokens (altinnAuthorised).
func (s *Sim) handleExchange(w http.ResponseWriter, r *http.Request) {
	t, ok := s.bearer(r)
	if !ok || t.altinn || t.foreign {
		unauthorized(w, r, "a valid Maskinporten bearer token is required")
		return
	}
	tok := s.tokens.issue(issuedToken{clientID: t.clientID, scope: t.scope, expires: time.Now().Add(s.opts.TokenTTL), altinn: true})
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(tok))
}

// bearer returns the token of the request's Authorization header, if valid.
func (s *Sim) bearer(r *http.Request) (issuedToken, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return issuedToken{}, false
	}
	return s.tokens.lookup(strings.TrimSpace(h[7:]))
}

// requireBearer checks the bearer token and, with RequireScopes, that it has
// one of the scopes; it answers 401/403 itself and returns false then.
func (s *Sim) requireBearer(w http.ResponseWriter, r *http.Request, scopes ...string) bool {
	t, ok := s.bearer(r)
	if !ok {
		unauthorized(w, r, "missing, unknown or expired bearer token")
		return false
	}
	if s.opts.RequireScopes && len(scopes) > 0 && !hasScope(t.scope, scopes) {
		writeError(w, r, http.StatusForbidden, "token lacks scope "+strings.Join(scopes, " or "))
		return false
	}
	return true
}

// hasScope reports whether a token's scope (space-separated) holds one of
// scopes, exactly: a policy compares whole scopes (scopes.Contains).
func hasScope(scope string, scopes []string) bool {
	for _, want := range scopes {
		if slices.Contains(strings.Fields(scope), want) {
			return true
		}
	}
	return false
}

func unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="sim"`)
	writeError(w, r, http.StatusUnauthorized, msg)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
