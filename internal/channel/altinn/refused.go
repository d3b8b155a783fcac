package altinn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"postvakt/internal/httpclient"
)

// tokenRefusal is what a 403 from Altinn Correspondence says about the
// token it came with. From the service's source (Altinn/altinn-
// correspondence @ da785168; testdata/specs/README.md): none of its own
// errors is a 403 (Errors.cs: the per-correspondence refusals are 401, code
// 4001 and kin), so a 403 comes from its authentication and authorisation:
//
//   - refusedIssuer: a ProblemDetails "IDX10205: Issuer validation
//     failed" / "Maskinporten token is not valid. Exchange to Altinn token
//     and try again" (Auth/AltinnTokenEventsHelper.cs): a Maskinporten token
//     the Altinn-token scheme refused and no other scheme took (no token
//     exchange configured, or a token of another Maskinporten environment);
//   - refusedScope: no body (ASP.NET's Forbid): the token was taken, but
//     the endpoint's policy (SenderOrRecipient, Auth/DependencyInjection.cs)
//     refused its scopes: an Altinn token needs altinn:correspondence.write,
//     a Maskinporten one also altinn:serviceowner.
//
// notToken is any other 403: one with an Altinn error code is about the
// request's object (that letter's refusal), and a page of text or HTML is
// a proxy's, about nothing this adapter can renew.
type tokenRefusal int

const (
	notToken tokenRefusal = iota
	refusedIssuer
	refusedScope
)

// tokenRefused reads a 403's body (see tokenRefusal); any other status is
// notToken.
func tokenRefused(status int, body []byte) tokenRefusal {
	if status != http.StatusForbidden {
		return notToken
	}
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return refusedScope
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(b, &p) != nil {
		return notToken // a proxy's page
	}
	for _, k := range []string{"code", "errorCode", "ErrorCode", "Code"} {
		if _, ok := p[k]; ok {
			return notToken // Altinn's own error: about the request's object
		}
	}
	var text struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(b, &text)
	s := strings.ToLower(text.Title + " " + text.Detail)
	if strings.Contains(s, "idx10205") || strings.Contains(s, "maskinporten") || strings.Contains(s, "exchange to altinn token") {
		return refusedIssuer
	}
	// A code-less ProblemDetails of the 403 (a status-code page written
	// for the Forbid): the scopes, as without a body.
	return refusedScope
}

// errTokenRefused marks a call that failed because Altinn did not take
// the token: a second 403 about the token, after the one renewal.
var errTokenRefused = errors.New("token refused by Altinn")

// tokenProblem returns the call's error for a 403 about the token, naming
// the likely cause, or nil when err is not one.
func tokenProblem(err error) error {
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return nil
	}
	switch tokenRefused(se.StatusCode, se.Body) {
	case refusedIssuer:
		return fmt.Errorf("%w (403%s): it wants an Altinn token, not a Maskinporten one: set POSTVAKT_ALTINN_EXCHANGE_URL so the Maskinporten token is exchanged, and check that Maskinporten and Altinn are the same environment (test or production): %w",
			errTokenRefused, problemSummary(se.Body), err)
	case refusedScope:
		return fmt.Errorf("%w (403 without an error code: its scopes): an Altinn token needs the scope altinn:correspondence.write, a Maskinporten one also altinn:serviceowner: check the Maskinporten client's scopes (%s) and the token exchange: %w",
			errTokenRefused, DefaultScope, err)
	}
	return nil
}
