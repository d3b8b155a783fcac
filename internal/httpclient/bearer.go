package httpclient

import (
	"context"
	"net/http"

	"github.com/go-resty/resty/v2"
)

// TokenSource gives bearer tokens (maskinporten.Source, its Exchanger).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Bearer authorises one request with a token source: Set puts a token in
// the request (from Prepare, so every attempt has a valid one), and
// Unauthorized, given as Request.Unauthorized, drops the token the service
// refused when the source can (an Invalidate(token string) bool method), so
// that the one more attempt Do then makes gets a new one. Use one Bearer
// per request.
type Bearer struct {
	tokens TokenSource
	used   string
}

// NewBearer returns the authorisation of one request by tokens.
func NewBearer(tokens TokenSource) *Bearer { return &Bearer{tokens: tokens} }

// Set fetches a token and sets "Authorization: Bearer". The error is the
// source's, for the caller to name.
func (b *Bearer) Set(ctx context.Context, r *resty.Request) error {
	tok, err := b.tokens.Token(ctx)
	if err != nil {
		return err
	}
	b.used = tok
	r.SetHeader("Authorization", "Bearer "+tok)
	return nil
}

// Unauthorized drops the token a 401 refused (Renew). A 403 renews
// nothing: to most services it means the caller may not, whatever token it
// brings; a caller whose service answers 403 for a token it does not take
// (Altinn Correspondence) decides that from the answer and calls Renew.
func (b *Bearer) Unauthorized(resp *Response) bool {
	if resp != nil && resp.StatusCode == http.StatusForbidden {
		return false
	}
	return b.Renew()
}

// Renew drops the refused token from the source, so that the next Set
// gets a new one; false (the refusal is the answer) when the source cannot
// or will not (a source renews a refused token only so often), or no
// token was sent.
func (b *Bearer) Renew() bool {
	inv, ok := b.tokens.(interface{ Invalidate(token string) bool })
	if !ok || b.used == "" {
		return false
	}
	return inv.Invalidate(b.used)
}
