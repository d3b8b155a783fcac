// Package altinntoken is the one place that decides whether an Altinn
// service refused the token a request came with, and so whether the token
// is renewed once and the request sent once more. Every Altinn client
// (Correspondence, Notifications, Profile) reads its refusals here.
//
// From the services' source (testdata/specs/README.md): Correspondence
// (Altinn/altinn-correspondence @ da785168), Notifications
// (Altinn/altinn-notifications) and Profile (Altinn/altinn-profile)
// authenticate with ASP.NET's JWT schemes and authorise with a scope
// policy. A token no scheme takes gets the framework's 401; a token taken
// whose scopes fail the policy, or that names no service owner
// (Notifications' Forbid without an org claim), gets a 403 without a body;
// a Maskinporten token Correspondence's Altinn-token scheme refuses for its
// issuer, and no other scheme takes, gets a 403 ProblemDetails "IDX10205:
// Issuer validation failed" / "Maskinporten token is not valid. Exchange to
// Altinn token and try again". None of the three services answers a 403
// of its own about the request's object: their refusals with an error code
// are 401 (Correspondence's 4001), 400 or 422.
package altinntoken

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// Refusal is what a 403 from an Altinn service says about the token it
// came with.
type Refusal int

const (
	// NotToken is any other answer: a 403 with an Altinn error code is
	// about the request's object, and a page of text or HTML is a proxy's,
	// about nothing a new token cures.
	NotToken Refusal = iota
	// RefusedIssuer is the IDX10205 ProblemDetails: a Maskinporten token
	// the service does not take (no token exchange configured, or a token
	// of the other Maskinporten environment).
	RefusedIssuer
	// RefusedScope is a 403 without a body, or with a code-less
	// ProblemDetails (a status-code page written for the Forbid): the token
	// was taken, but the policy refused its scopes (changed since it was
	// issued, or never granted).
	RefusedScope
)

// Refused reads a 403's body (see Refusal); any other status is NotToken.
func Refused(status int, body []byte) Refusal {
	if status != http.StatusForbidden {
		return NotToken
	}
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return RefusedScope
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(b, &p) != nil {
		return NotToken // a proxy's page
	}
	for _, k := range []string{"code", "errorCode", "ErrorCode", "Code"} {
		if _, ok := p[k]; ok {
			return NotToken // Altinn's own error: about the request's object
		}
	}
	var text struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(b, &text)
	s := strings.ToLower(text.Title + " " + text.Detail)
	if strings.Contains(s, "idx10205") || strings.Contains(s, "maskinporten") || strings.Contains(s, "exchange to altinn token") {
		return RefusedIssuer
	}
	return RefusedScope
}

// Renewal is the Request.Unauthorized of a request to an Altinn service
// authorised by bearer: on a 401, and on a 403 about the token (Refused),
// the token is renewed (Bearer.Renew) and the request, the same body and
// all, goes once more; httpclient asks it only once per call, so a second
// refusal is the answer. A 403 with an error code or a page renews nothing.
// keep, when it is not nil, names the 401s that are about the request's
// object rather than its token (Correspondence's code 4001): they renew
// nothing either.
func Renewal(bearer *httpclient.Bearer, keep func(*httpclient.Response) bool) func(*httpclient.Response) bool {
	return func(resp *httpclient.Response) bool {
		switch {
		case resp == nil:
			return bearer.Unauthorized(resp)
		case resp.StatusCode == http.StatusForbidden:
			return Refused(resp.StatusCode, resp.Body) != NotToken && bearer.Renew()
		case keep != nil && keep(resp):
			return false
		}
		return bearer.Unauthorized(resp)
	}
}

// ErrRefused marks a call that failed because Altinn did not take the
// token: a second 403 about the token, after the one renewal.
var ErrRefused = errors.New("token refused by Altinn")

// Need is what one Altinn API wants of a token, for the error that names
// the likely cause of a refusal.
type Need struct {
	// Scopes is what postvakt asks Maskinporten for, for this API.
	Scopes string
	// Policy says what the service's policy wants, e.g. "an Altinn token
	// needs the scope altinn:correspondence.write, a Maskinporten one also
	// altinn:serviceowner".
	Policy string
}

// Problem returns the call's error for a 403 about the token, naming the
// likely cause, or nil when err is not one. It wraps ErrRefused and err.
func Problem(err error, need Need) error {
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return nil
	}
	switch Refused(se.StatusCode, se.Body) {
	case RefusedIssuer:
		return fmt.Errorf("%w (403%s): it wants an Altinn token, not a Maskinporten one: set POSTVAKT_ALTINN_EXCHANGE_URL so the Maskinporten token is exchanged, and check that Maskinporten and Altinn are the same environment (test or production): %w",
			ErrRefused, Summary(se.Body), err)
	case RefusedScope:
		return fmt.Errorf("%w (403 without an error code: its scopes): %s: check the Maskinporten client's scopes (%s) and the token exchange: %w",
			ErrRefused, need.Policy, need.Scopes, err)
	}
	return nil
}

// Summary is a ProblemDetails' title and detail as ": title (detail)",
// national ids masked, at most 200 characters; "" when it has neither.
// It masks before it cuts: an id cut short is no id the masker knows.
func Summary(body []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &p) != nil || p.Title == "" && p.Detail == "" {
		return ""
	}
	s := strings.TrimSpace(p.Title)
	if d := strings.TrimSpace(p.Detail); d != "" {
		s += " (" + d + ")"
	}
	s = string(model.MaskNationalIDsIn([]byte(s)))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return ": " + s
}
