package sim

import (
	"net/http"
	"slices"
	"strings"
)

// The Altinn APIs' token policies, as their sources have them (read in
// Altinn/altinn-correspondence @ da785168 Auth/DependencyInjection.cs,
// Altinn/altinn-notifications Program.cs and AuthorizationConstants.cs,
// Altinn/altinn-profile Program.cs and CorrespondenceController.cs; see
// testdata/specs/README.md). Each is checked with Options.RequireScopes;
// a token the simulator did not issue, or an expired one, is always 401,
// and so is a Maskinporten token at Notifications and Profile, whose one
// scheme (JwtCookie) takes only tokens signed with Altinn's keys: the
// exchange's (handleExchange).
const (
	scopeCorrespondenceWrite = "altinn:correspondence.write" // a sender's (AuthorizationConstants.SenderScope)
	scopeCorrespondenceRead  = "altinn:correspondence.read"  // a recipient's (RecipientScope)
	scopeServiceOwner        = "altinn:serviceowner"
	scopeNotificationsCreate = "altinn:serviceowner/notifications.create" // SCOPE_NOTIFICATIONS_CREATE
)

// altinnAPI is one of the simulated Altinn APIs, for its token policy.
type altinnAPI int

const (
	apiCorrespondence altinnAPI = iota
	apiNotifications
	apiProfile
	// apiProfileOther is Profile's other endpoints (an organisation's
	// addresses, the internal lookup): an Altinn token, no scope policy
	// modelled.
	apiProfileOther
)

// idx10205 is Correspondence's answer to a Maskinporten token its Altinn
// scheme refuses for the issuer when no other scheme takes it
// (Auth/AltinnTokenEventsHelper.cs).
const idx10205 = `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.4","title":"IDX10205: Issuer validation failed","status":403,` +
	`"detail":"Maskinporten token is not valid. Exchange to Altinn token and try again. Read more at https://docs.altinn.studio/api/scenarios/authentication/#maskinporten-jwt-access-token-input"}`

// altinnAuthorised answers a request to one of the Altinn APIs as its
// authentication and policy do, and returns false when the request may
// not go on:
//
//   - at Correspondence, no token it takes: 401 without a body,
//     WWW-Authenticate: Bearer (JwtBearer's challenge);
//   - at Notifications and Profile, no Altinn token (none, unknown,
//     expired, or any Maskinporten token, of either environment: it must
//     go through the exchange first): 401 without a body and without
//     WWW-Authenticate, the challenge of their JwtCookie handler (it keeps
//     ASP.NET's default, which sets the status only);
//   - at Correspondence, a Maskinporten token of the other environment
//     (otherEnvironment): 403 with the IDX10205 ProblemDetails ("Exchange
//     to Altinn token and try again"); one of its own environment is taken
//     (its Maskinporten scheme);
//   - with RequireScopes, a token whose scopes the policy refuses: 403
//     without a body (the framework's Forbid). Correspondence
//     (SenderOrRecipient) takes an Altinn token with
//     altinn:correspondence.write (a sender's) or altinn:correspondence.read
//     (a recipient's), a Maskinporten token with altinn:serviceowner and
//     altinn:correspondence.write, or altinn:correspondence.read;
//     Notifications wants altinn:serviceowner/notifications.create, Profile's
//     lookup altinn:profile/correspondence.notificationsettings.read. A
//     policy compares whole scopes: altinn:serviceowner alone is none of
//     them.
func (s *Sim) altinnAuthorised(w http.ResponseWriter, r *http.Request, api altinnAPI) bool {
	t, ok := s.bearer(r)
	if api != apiCorrespondence && (!ok || !t.altinn) {
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	if t.foreign {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(idx10205))
		return false
	}
	if !s.opts.RequireScopes || altinnPolicy(api, t) {
		return true
	}
	w.WriteHeader(http.StatusForbidden)
	return false
}

// altinnPolicy reports whether api's policy takes the token (see
// altinnAuthorised).
func altinnPolicy(api altinnAPI, t issuedToken) bool {
	scopes := strings.Fields(t.scope)
	has := func(s string) bool { return slices.Contains(scopes, s) }
	switch api {
	case apiCorrespondence:
		sender := has(scopeCorrespondenceWrite) && (t.altinn || has(scopeServiceOwner))
		return sender || has(scopeCorrespondenceRead)
	case apiNotifications:
		return has(scopeNotificationsCreate)
	case apiProfile:
		return has(profileLookupScope)
	case apiProfileOther:
		return true
	}
	return false
}
