package remind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/httpclient"
)

// Exchanger turns Maskinporten tokens into Altinn tokens through Altinn
// Authentication (GET {platform}/authentication/api/v1/exchange/maskinporten
// with the Maskinporten token, answered with the Altinn token as text), as
// Altinn's Profile and Notifications APIs want. An Altinn token is reused
// for 5 minutes while the Maskinporten token stays the same.
type Exchanger struct {
	Platform string      // Altinn root, e.g. https://platform.altinn.no
	HTTP     Doer        // any client; the path is absolute
	Source   TokenSource // the Maskinporten tokens
	Now      func() time.Time

	mu      sync.Mutex
	mpToken string
	token   string
	expires time.Time
}

// Token implements TokenSource.
func (e *Exchanger) Token(ctx context.Context) (string, error) {
	mp, err := e.Source.Token(ctx)
	if err != nil {
		return "", err
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token != "" && e.mpToken == mp && now().Before(e.expires) {
		return e.token, nil
	}
	resp, err := e.HTTP.Do(ctx, httpclient.Request{Op: "exchange", Method: http.MethodGet,
		Path: strings.TrimRight(e.Platform, "/") + "/authentication/api/v1/exchange/maskinporten",
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetHeader("Authorization", "Bearer "+mp)
			r.SetHeader("Accept", "text/plain, application/json")
			return nil
		}})
	if err != nil {
		return "", fmt.Errorf("exchange the Maskinporten token for an Altinn token: %w", err)
	}
	tok := string(bytes.Trim(bytes.TrimSpace(resp.Body), `"`))
	if tok == "" || strings.ContainsAny(tok, " \t\r\n<>{}") {
		return "", errors.New("the Altinn token exchange answered something that is not a token")
	}
	e.mpToken, e.token, e.expires = mp, tok, now().Add(5*time.Minute)
	return tok, nil
}
