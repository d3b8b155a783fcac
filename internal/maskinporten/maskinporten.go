// Package maskinporten gets access tokens from Maskinporten (or a
// Maskinporten-compatible token endpoint) with a JWT grant: a JWT signed
// RS256 with the client's private key, posted as
// grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer. Tokens are cached
// until shortly before they expire; concurrent callers share one fetch. A
// renewal that fails leaves the cached token in use while it is valid.
package maskinporten

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/golang-jwt/jwt/v5"

	"postvakt/internal/httpclient"
)

// GrantType is the OAuth grant type of a JWT grant (RFC 7523).
const GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// MaxGrantTTL is the longest lifetime Maskinporten accepts for a grant.
const MaxGrantTTL = 120 * time.Second

// Config configures one token source: one client, one scope set.
type Config struct {
	// TokenURL is the token endpoint, e.g. https://maskinporten.no/token or
	// https://test.maskinporten.no/token. A URL without a path gets "/token".
	TokenURL string
	// Audience is the grant's "aud": Maskinporten's issuer identifier.
	// Default: scheme://host/ of TokenURL (https://maskinporten.no/).
	Audience string
	// ClientID is the grant's "iss": the Maskinporten client (integration) id.
	ClientID string
	// KeyFile is a PEM file holding the client's RSA private key, PKCS#1
	// ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"), unencrypted.
	KeyFile string
	// KeyID, if set, is sent as the grant's "kid" header (a key registered
	// on the client in Maskinporten's self-service).
	KeyID string
	// Scope is the space-separated scope list, e.g. "ks:fiks".
	Scope string
	// Resource, if set, asks for an audience-restricted token ("resource"
	// claim).
	Resource string
	// GrantTTL is the grant's lifetime; default and maximum 120s.
	GrantTTL time.Duration
	// RefreshBefore is how long before expiry a cached token is replaced.
	// Default 30s (at most half the token's lifetime).
	RefreshBefore time.Duration
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Doer sends a request with retries; *httpclient.Client is one.
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// Source hands out access tokens. It is safe for concurrent use.
type Source struct {
	cfg  Config
	key  *rsa.PrivateKey
	http Doer

	mu       sync.Mutex
	token    string
	expires  time.Time // when token is renewed
	valid    time.Time // until when token is used still when its renewal fails
	inflight *fetch
	dropped  time.Time // when Invalidate last dropped a token
}

// RenewAtMostEvery bounds how often a token refused by a service is
// renewed (Source.Invalidate, Exchanger.Invalidate): a service that
// refuses every token, for a reason a new one does not cure (a wrong
// IntegrasjonPassord, a missing consent or scope), costs one token request
// a minute, not one per call.
const RenewAtMostEvery = time.Minute

// fetch is one token request that several callers wait for.
type fetch struct {
	done  chan struct{}
	token string
	err   error
}

// fetchTimeout bounds a token request that outlives the caller who
// started it (others may be waiting for it).
const fetchTimeout = time.Minute

// New reads the key and checks cfg. hc sends the token requests; give it
// Options.Name "maskinporten" and no BaseURL.
func New(cfg Config, hc Doer) (*Source, error) {
	if cfg.TokenURL == "" || cfg.ClientID == "" || cfg.KeyFile == "" || cfg.Scope == "" {
		return nil, errors.New("maskinporten: TokenURL, ClientID, KeyFile and Scope are required")
	}
	if hc == nil {
		return nil, errors.New("maskinporten: an HTTP client is required")
	}
	u, err := url.Parse(cfg.TokenURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("maskinporten: TokenURL %q is not an absolute URL", cfg.TokenURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/token"
		cfg.TokenURL = u.String()
	}
	if cfg.Audience == "" {
		cfg.Audience = u.Scheme + "://" + u.Host + "/"
	}
	if cfg.GrantTTL <= 0 || cfg.GrantTTL > MaxGrantTTL {
		cfg.GrantTTL = MaxGrantTTL
	}
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key, err := ReadKeyFile(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	return &Source{cfg: cfg, key: key, http: hc}, nil
}

// ReadKeyFile reads an RSA private key from a PEM file, PKCS#1 or PKCS#8.
func ReadKeyFile(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("maskinporten: reading key file: %w", err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(b)
	if err != nil {
		return nil, fmt.Errorf("maskinporten: parsing key file %s (want an unencrypted PKCS#1 or PKCS#8 RSA key in PEM): %w", path, err)
	}
	return key, nil
}

// Token returns a valid access token, fetching a new one when the cached
// one is missing or about to expire. Callers that ask while a fetch is in
// flight wait for that fetch instead of starting their own.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.token != "" && s.cfg.Now().Before(s.expires) {
		t := s.token
		s.mu.Unlock()
		return t, nil
	}
	f := s.inflight
	if f == nil {
		f = &fetch{done: make(chan struct{})}
		s.inflight = f
		// Detached from ctx: other callers may wait for this fetch.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		go func() {
			defer cancel()
			defer s.recovered(f)
			s.run(fctx, f)
		}()
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			if tok, ok := s.stillValid(); ok {
				return tok, nil // renewed early; the next call asks again
			}
		}
		return f.token, f.err
	case <-ctx.Done():
		return "", fmt.Errorf("maskinporten: waiting for a token: %w", ctx.Err())
	}
}

// stillValid returns the cached token when its renewal failed but it has
// not expired (less half the renewal margin, for the call to reach the
// service with it) and no service refused it (Invalidate).
func (s *Source) stillValid() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, s.token != "" && s.cfg.Now().Before(s.valid)
}

// Invalidate drops the cached token if it is still token: a service
// refused it, and the next Token fetches a new one. It reports whether a
// call refused with token should go once more: yes when the token is
// dropped or was already replaced, no when a token was dropped less than
// RenewAtMostEvery ago (token is kept: a new one would be refused too).
func (s *Source) Invalidate(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != token {
		return true // replaced meanwhile: the next Token is another
	}
	now := s.cfg.Now()
	if !s.dropped.IsZero() && now.Sub(s.dropped) < RenewAtMostEvery {
		return false
	}
	s.token, s.dropped = "", now
	return true
}

// recovered, deferred in a fetch's goroutine, makes a panic there (an
// answer the client did not expect) the fetch's error, logged with its
// stack: outside the job's goroutine that asked for the token, it ended
// the whole process.
func (s *Source) recovered(f *fetch) {
	v := recover()
	if v == nil {
		return
	}
	err := fmt.Errorf("maskinporten: token request: panic: %v", v)
	slog.Error("maskinporten: a token request panicked; it is the request's error", "error", err, "stack", string(debug.Stack()))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight == f {
		s.inflight = nil
	}
	f.token, f.err = "", err
	close(f.done)
}

func (s *Source) run(ctx context.Context, f *fetch) {
	start := s.cfg.Now()
	tok, lifetime, err := s.request(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight = nil
	f.token, f.err = tok, err
	if err == nil {
		margin := s.cfg.RefreshBefore
		if margin > lifetime/2 {
			margin = lifetime / 2
		}
		s.token, s.expires, s.valid = tok, start.Add(lifetime-margin), start.Add(lifetime-margin/2)
	}
	close(f.done)
}

// tokenAnswer is the token endpoint's JSON answer, success or OAuth error.
type tokenAnswer struct {
	AccessToken      string  `json:"access_token"`
	TokenType        string  `json:"token_type"`
	ExpiresIn        seconds `json:"expires_in"`
	Scope            string  `json:"scope"`
	Error            string  `json:"error"`
	ErrorDescription string  `json:"error_description"`
}

// seconds is expires_in: a JSON number (RFC 6749 §5.1), or, as some token
// services write it, a number in a string. Anything else reads as 0 (not
// said), so an odd expires_in costs a short-lived token, not the token.
type seconds int64

// UnmarshalJSON implements json.Unmarshaler.
func (s *seconds) UnmarshalJSON(b []byte) error {
	v := strings.Trim(strings.TrimSpace(string(b)), `"`)
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > float64(365*24*time.Hour/time.Second) {
		*s = 0
		return nil
	}
	*s = seconds(f)
	return nil
}

// request posts a fresh grant and returns the token and its lifetime.
func (s *Source) request(ctx context.Context) (string, time.Duration, error) {
	resp, err := s.http.Do(ctx, httpclient.Request{
		Op:     "token",
		Method: http.MethodPost,
		Path:   s.cfg.TokenURL,
		Prepare: func(_ context.Context, r *resty.Request) error {
			grant, err := s.Grant()
			if err != nil {
				return err
			}
			r.SetHeader("Accept", "application/json")
			r.SetFormData(map[string]string{"grant_type": GrantType, "assertion": grant})
			return nil
		},
	})
	if err != nil {
		var se *httpclient.StatusError
		if errors.As(err, &se) && resp != nil {
			var a tokenAnswer
			if json.Unmarshal(resp.Body, &a) == nil && a.Error != "" {
				// The description may echo the request (the signed grant).
				return "", 0, fmt.Errorf("maskinporten: token request refused (HTTP %d): %s: %s", se.StatusCode,
					httpclient.Scrub(a.Error), httpclient.Scrub(a.ErrorDescription))
			}
		}
		return "", 0, fmt.Errorf("maskinporten: token request: %w", err)
	}
	var a tokenAnswer
	if err := json.Unmarshal(resp.Body, &a); err != nil {
		return "", 0, fmt.Errorf("maskinporten: reading token answer (HTTP %d, %s, starts %q): %w",
			resp.StatusCode, resp.Header.Get("Content-Type"), head(resp.Body), err)
	}
	if a.AccessToken == "" {
		return "", 0, fmt.Errorf("maskinporten: token answer has no access_token (starts %q)", head(resp.Body))
	}
	if a.TokenType != "" && !strings.EqualFold(a.TokenType, "Bearer") {
		return "", 0, fmt.Errorf("maskinporten: token_type %q, want Bearer", a.TokenType)
	}
	lifetime := time.Duration(a.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = time.Minute // not said: assume short-lived
	}
	return a.AccessToken, lifetime, nil
}

// head returns the start of a body for an error message, with anything
// that looks like a token left out.
func head(b []byte) string {
	if len(b) > 120 {
		b = b[:120]
	}
	s := string(b)
	if strings.Contains(s, "access_token") {
		return "(token answer withheld)"
	}
	return s
}

// Grant returns a newly signed JWT grant for the token endpoint.
func (s *Source) Grant() (string, error) {
	now := s.cfg.Now()
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("maskinporten: jti: %w", err)
	}
	claims := jwt.MapClaims{
		"aud":   s.cfg.Audience,
		"iss":   s.cfg.ClientID,
		"scope": s.cfg.Scope,
		"iat":   now.Unix(),
		"exp":   now.Add(s.cfg.GrantTTL).Unix(),
		"jti":   hex.EncodeToString(jti),
	}
	if s.cfg.Resource != "" {
		claims["resource"] = s.cfg.Resource
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if s.cfg.KeyID != "" {
		t.Header["kid"] = s.cfg.KeyID
	}
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("maskinporten: signing grant: %w", err)
	}
	return signed, nil
}
