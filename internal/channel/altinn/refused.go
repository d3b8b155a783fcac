package altinn

import "postvakt/internal/altinntoken"

// errTokenRefused marks a call that failed because Altinn did not take
// the token: a second 403 about the token, after the one renewal
// (altinntoken, which every Altinn client shares: Correspondence answers a
// token its policy refuses 403 without a body, and a Maskinporten token no
// scheme takes 403 "IDX10205 … Exchange to Altinn token"; none of its own
// errors is a 403).
var errTokenRefused = altinntoken.ErrRefused

// correspondenceNeed is what Correspondence's policy (SenderScopePolicy,
// Auth/DependencyInjection.cs) wants of a sender's token.
var correspondenceNeed = altinntoken.Need{Scopes: DefaultScope,
	Policy: "an Altinn token needs the scope altinn:correspondence.write, a Maskinporten one also altinn:serviceowner"}

// tokenProblem returns the call's error for a 403 about the token, naming
// the likely cause, or nil when err is not one.
func tokenProblem(err error) error { return altinntoken.Problem(err, correspondenceNeed) }
