package altinn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
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

// exchanger is a TokenSource that turns Maskinporten tokens into Altinn
// tokens, caching each until shortly before it expires or the Maskinporten
// token changes. One exchange runs at a time; the rest wait for it.
type exchanger struct {
	url    string
	http   Doer
	source TokenSource
	now    func() time.Time

	lock    chan struct{} // a mutex that waiting callers can give up on
	mpToken string        // the Maskinporten token token was exchanged from
	token   string
	expires time.Time
}

func newExchanger(platform string, hc Doer, source TokenSource, now func() time.Time) *exchanger {
	return &exchanger{url: platform + exchangePath, http: hc, source: source, now: now, lock: make(chan struct{}, 1)}
}

// Token returns an Altinn token.
func (e *exchanger) Token(ctx context.Context) (string, error) {
	mp, err := e.source.Token(ctx)
	if err != nil {
		return "", err
	}
	select {
	case e.lock <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("altinn: waiting for the token exchange: %w", ctx.Err())
	}
	defer func() { <-e.lock }()
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
		return "", fmt.Errorf("altinn: exchanging the Maskinporten token: %w", err)
	}
	tok := string(bytes.Trim(bytes.TrimSpace(resp.Body), `"`))
	if tok == "" || bytes.ContainsAny([]byte(tok), " \t\r\n<>{}") {
		return "", errors.New("altinn: the token exchange answered something that is not a token")
	}
	expires := e.now().Add(exchangeFallbackTTL)
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err == nil && claims.ExpiresAt != nil {
		// Unverified is enough: the token is only read for its expiry, and
		// Altinn checks it on every request.
		expires = claims.ExpiresAt.Add(-exchangeMargin)
	}
	e.mpToken, e.token, e.expires = mp, tok, expires
	return tok, nil
}
