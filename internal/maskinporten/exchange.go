package maskinporten

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/golang-jwt/jwt/v5"

	"postvakt/internal/httpclient"
)

// exchangePath is Altinn Authentication's token exchange for Maskinporten
// tokens: GET with the Maskinporten token as bearer answers with an Altinn
// token as plain text.
const exchangePath = "/authentication/api/v1/exchange/maskinporten"

// exchangeMargin is how long before its expiry an Altinn token is replaced.
const exchangeMargin = 30 * time.Second

// exchangeFallbackTTL is how long an Altinn token whose expiry cannot be
// read is used.
const exchangeFallbackTTL = 5 * time.Minute

// TokenSource gives access tokens; *Source and *Exchanger are ones. It is
// httpclient's: httpclient.Bearer puts the tokens in the requests.
type TokenSource = httpclient.TokenSource

// Invalidate drops the Altinn token if it is still token, and the
// Maskinporten token it was exchanged from (either may be what was
// revoked). It reports whether a call refused with token should go once
// more, as Source.Invalidate does: not when a token was dropped less than
// RenewAtMostEvery ago.
func (e *Exchanger) Invalidate(token string) bool {
	e.lock <- struct{}{}
	defer func() { <-e.lock }()
	if e.token != token {
		return true // renewed meanwhile
	}
	now := e.now()
	if !e.dropped.IsZero() && now.Sub(e.dropped) < RenewAtMostEvery {
		return false
	}
	e.token, e.dropped = "", now
	if inv, ok := e.source.(interface{ Invalidate(string) bool }); ok {
		inv.Invalidate(e.mpToken)
	}
	return true
}

// Exchanger is a TokenSource that turns Maskinporten tokens into Altinn
// tokens through Altinn Authentication, as Altinn's Correspondence,
// Profile and Notifications APIs want, caching each until shortly before
// it expires or the Maskinporten token changes. One exchange runs at a
// time; the rest wait for it. It is the only exchanger in postvakt.
type Exchanger struct {
	url    string
	http   Doer
	source TokenSource
	now    func() time.Time

	lock    chan struct{} // a mutex that waiting callers can give up on
	mpToken string        // the Maskinporten token token was exchanged from
	token   string
	expires time.Time // when token is renewed
	valid   time.Time // until when token is used still when its renewal fails
	dropped time.Time // when Invalidate last dropped a token
}

// NewExchanger exchanges source's tokens at the Altinn platform root
// platform (e.g. https://platform.altinn.no). now may be nil (time.Now).
func NewExchanger(platform string, hc Doer, source TokenSource, now func() time.Time) *Exchanger {
	if now == nil {
		now = time.Now
	}
	return &Exchanger{url: strings.TrimRight(platform, "/") + exchangePath, http: hc, source: source, now: now,
		lock: make(chan struct{}, 1)}
}

// Token returns an Altinn token.
func (e *Exchanger) Token(ctx context.Context) (string, error) {
	select {
	case e.lock <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("altinn: waiting for the token exchange: %w", ctx.Err())
	}
	defer func() { <-e.lock }()
	// Under the lock: a Maskinporten token fetched before an Invalidate
	// would be exchanged again after it.
	mp, err := e.source.Token(ctx)
	if err != nil {
		if e.token != "" && e.now().Before(e.valid) {
			return e.token, nil // Maskinporten failed; the Altinn token has time left
		}
		return "", err
	}
	if e.token != "" && e.mpToken == mp && e.now().Before(e.expires) {
		return e.token, nil
	}
	resp, err := e.http.Do(ctx, httpclient.Request{
		Op:     "exchange",
		Method: http.MethodGet,
		Path:   e.url,
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetHeader("Authorization", "Bearer "+mp)
			r.SetHeader("Accept", "text/plain, application/json")
			return nil
		},
	})
	if err != nil {
		if e.token != "" && e.now().Before(e.valid) {
			// Renewed early (or for a new Maskinporten token): the one
			// Altinn gave before has time left; the next call asks again.
			return e.token, nil
		}
		return "", fmt.Errorf("altinn: exchanging the Maskinporten token: %w", err)
	}
	tok := string(bytes.Trim(bytes.TrimSpace(resp.Body), `"`))
	if tok == "" || strings.ContainsAny(tok, " \t\r\n<>{}") {
		return "", errors.New("altinn: the token exchange answered something that is not a token")
	}
	expires := e.now().Add(exchangeFallbackTTL)
	valid := expires
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err == nil && claims.ExpiresAt != nil {
		// Unverified is enough: the token is only read for its expiry, and
		// Altinn checks it on every request.
		expires, valid = claims.ExpiresAt.Add(-exchangeMargin), claims.ExpiresAt.Add(-exchangeMargin/2)
	}
	e.mpToken, e.token, e.expires, e.valid = mp, tok, expires, valid
	return tok, nil
}
