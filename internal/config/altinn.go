package config

import (
	"net/url"
	"strings"
)

// validateAltinnURLs refuses the Altinn URLs written in a form every call
// to them fails with: postvakt adds each API's own path to them.
func (c *Config) validateAltinnURLs(r *Reader) {
	if u := c.Altinn.ExchangeURL; hasSegment(u, "authentication") {
		// The exchange would go to …/authentication/api/v1/…/authentication/api/v1/exchange/maskinporten,
		// answered 404: no Altinn token for any Altinn call.
		r.Failf("POSTVAKT_ALTINN_EXCHANGE_URL", "%q holds the token exchange's path: give the platform root (e.g. https://platform.altinn.no), "+
			"to which postvakt adds /authentication/api/v1/exchange/maskinporten", u)
	}
}

// hasSegment reports whether the path of the URL raw has the segment seg
// (in any case).
func hasSegment(raw, seg string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for s := range strings.SplitSeq(u.Path, "/") {
		if strings.EqualFold(s, seg) {
			return true
		}
	}
	return false
}
