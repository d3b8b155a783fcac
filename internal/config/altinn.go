package config

import (
	"fmt"
	"net/url"
	"strings"
)

// validateAltinnURLs refuses the Altinn URLs written in a form every call
// to them fails with: postvakt adds each API's own path to them.
func (c *Config) validateAltinnURLs(r *Reader) {
	if u := c.Altinn.ExchangeURL; HasPathSegment(u, "authentication") {
		// The exchange would go to …/authentication/api/v1/…/authentication/api/v1/exchange/maskinporten,
		// answered 404: no Altinn token for any Altinn call.
		r.Failf("POSTVAKT_ALTINN_EXCHANGE_URL", "%q holds the token exchange's path: give the platform root (e.g. https://platform.altinn.no), "+
			"to which postvakt adds /authentication/api/v1/exchange/maskinporten", u)
	}
	for _, v := range []struct{ key, url string }{
		{"POSTVAKT_ALTINN_EXCHANGE_URL", c.Altinn.ExchangeURL}, {"POSTVAKT_PROFILE_URL", c.Altinn.ProfileURL},
		{"POSTVAKT_NOTIFICATIONS_URL", c.Altinn.NotificationsURL},
	} {
		if err := OtherEnvironment(v.url, c.Maskinporten.URL); err != nil {
			r.Failf(v.key, "%s", err)
		}
	}
	for _, api := range []struct {
		key, url, base, adds string
		endpoint             []string // segments of the API's own paths below its base
	}{
		{"POSTVAKT_PROFILE_URL", c.Altinn.ProfileURL, "/profile/api/", "/correspondence/organizations/notificationaddresses/lookup", []string{"notificationaddresses"}},
		{"POSTVAKT_NOTIFICATIONS_URL", c.Altinn.NotificationsURL, "/notifications/api/", "/future/orders", []string{"future", "orders"}},
	} {
		if api.url == "" {
			continue
		}
		example := "https://platform.altinn.no" + api.base + "v1"
		for _, seg := range api.endpoint {
			if HasPathSegment(api.url, seg) {
				// Asked at …/lookup/correspondence/…/lookup: Altinn answers 404.
				r.Failf(api.key, "%q holds the endpoint's path: give the API base (e.g. %s), to which postvakt adds %s", api.url, example, api.adds)
				break
			}
		}
		if u, err := url.Parse(api.url); err == nil && altinnHost(u.Hostname()) && !strings.HasPrefix(strings.ToLower(u.Path)+"/", api.base) {
			// Altinn's platform serves the API below its path only: the
			// platform root, as POSTVAKT_ALTINN_URL is written, answers 404.
			r.Failf(api.key, "%q is on Altinn's platform without the API's path: give the API base (e.g. %s)", api.url, example)
		}
	}
}

// altinnHost reports whether host is Altinn's own (altinn.no, any of its
// subdomains: platform.altinn.no, platform.tt02.altinn.no), not a gateway.
func altinnHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "altinn.no" || strings.HasSuffix(host, ".altinn.no")
}

// HasPathSegment reports whether the path of the URL raw has the segment seg
// (in any case).
func HasPathSegment(raw, seg string) bool {
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

// OtherEnvironment says, as an error, when the Altinn URL altinnURL and the
// Maskinporten token endpoint maskinportenURL are of different
// environments (test, TT02, beside production): Altinn takes the tokens of
// its own environment's Maskinporten only, and refuses every call made with
// the other's. A host that is neither's known one (a gateway, the
// simulator) says nothing; nil then, and without either URL.
func OtherEnvironment(altinnURL, maskinportenURL string) error {
	a, m := environment(altinnURL, "platform.altinn.no", ".tt02.altinn.no"), environment(maskinportenURL, "maskinporten.no", ".test.maskinporten.no")
	if a == "" || m == "" || a == m {
		return nil
	}
	return fmt.Errorf("%q is Altinn's %s environment and POSTVAKT_MASKINPORTEN_URL %q Maskinporten's %s one: Altinn refuses every token of the other environment; "+
		"use test.maskinporten.no with platform.tt02.altinn.no, maskinporten.no with platform.altinn.no", altinnURL, a, maskinportenURL, m)
}

// environment is "production" when raw's host is prod, "test" when it
// ends with testSuffix (or is it without its leading dot), else "".
func environment(raw, prod, testSuffix string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	switch {
	case host == prod:
		return "production"
	case strings.HasSuffix(host, testSuffix) || host == testSuffix[1:]:
		return "test"
	}
	return ""
}
