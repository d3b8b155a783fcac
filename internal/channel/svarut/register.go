package svarut

import (
	"fmt"
	"net/url"
	"strings"

	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/httpclient"
)

func init() {
	channel.Register(channel.Spec{Name: "svarut", Display: "KS SvarUt", Country: "NO", UUIDs: true, Configure: configure,
		Letter: map[string]string{"no": "SvarUt-forsendelse", "da": "SvarUt-forsendelse", "en": "SvarUt shipment"}})
}

// configure reads POSTVAKT_SVARUT_*; SvarUt is off without a URL.
func configure(cfg config.Config, r *config.Reader) channel.Opener {
	c := Config{
		BaseURL:            r.URL("POSTVAKT_SVARUT_URL", "SvarUt base: for v2 and v3 the API root (https://svarut.ks.no/api), for v1 the service root (https://svarut.ks.no); unset = SvarUt off"),
		API:                r.OneOf("POSTVAKT_SVARUT_API", APIv2, "v2 (bulk status-sok, Maskinporten + IntegrasjonId), v3 (the v3 status/sok, same credentials) or v1 (HTTP Basic)", APIv2, APIv3, APIv1),
		KontoID:            r.String("POSTVAKT_SVARUT_KONTO_ID", "", "SvarUt account (konto) UUID, v2 and v3"),
		IntegrasjonID:      r.String("POSTVAKT_SVARUT_INTEGRASJON_ID", "", "SvarUt (Fiks) integration id, a UUID, v2 and v3"),
		IntegrasjonPassord: r.Secret("POSTVAKT_SVARUT_INTEGRASJON_PASSORD", "SvarUt integration password, v2 and v3"),
		User:               r.String("POSTVAKT_SVARUT_USER", "", "SvarUt v1 avsender name (HTTP Basic)"),
		Password:           r.Secret("POSTVAKT_SVARUT_PASSWORD", "SvarUt v1 password"),
	}
	rate := r.Rate("POSTVAKT_SVARUT_RATE", "most SvarUt requests per second, at least one a minute (0.0167); 0 = no limit")
	if c.BaseURL == "" {
		return nil
	}
	check(r, c, cfg.Maskinporten.URL != "")
	return func(deps channel.Deps) (channel.Adapter, error) {
		c.Logger = deps.Log
		hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: c.BaseURL, Secrets: c.Secrets(),
			Logger: deps.Log, Registerer: deps.Registerer, RatePerSecond: rate})
		if err != nil {
			return nil, fmt.Errorf("svarut client: %w", err)
		}
		var tokens TokenSource
		if c.API != APIv1 {
			src, err := deps.Tokens.Source("ks:fiks")
			if err != nil {
				return nil, fmt.Errorf("svarut: %w", err)
			}
			if src != nil {
				tokens = src
			}
		}
		return New(c, hc, tokens)
	}
}

// check records, by variable, what the chosen API version lacks (at start,
// not at the first poll): v2 and v3 a Maskinporten client (tokens), whose
// token SvarUt requires on every call; and refuses a base URL made for the other API
// version (see Config.BaseURL): v1 under the v2 root asks paths no SvarUt
// serves, and v1 answers 404 when it knows none of the letters asked, so
// every letter would look unknown to SvarUt and, past the grace, go to
// print.
func check(r *config.Reader, c Config, tokens bool) {
	switch c.API {
	case APIv2, APIv3:
		if !tokens {
			r.Failf("POSTVAKT_MASKINPORTEN_URL", "required with SvarUt's %s API: SvarUt takes its calls only with a Maskinporten token (scope ks:fiks), see Maskinporten", c.API)
		}
		if !channel.ValidUUID(c.KontoID) {
			r.Failf("POSTVAKT_SVARUT_KONTO_ID", "%q is not a UUID: the %s API needs the SvarUt account's id", c.KontoID, c.API)
		}
		switch {
		case c.IntegrasjonID == "":
			r.Failf("POSTVAKT_SVARUT_INTEGRASJON_ID", "required with the %s API", c.API)
		case !channel.ValidUUID(c.IntegrasjonID):
			// A Fiks integration's id is a UUID (KS's client sends it as
			// one); anything else (its name) fails every call at SvarUt.
			r.Failf("POSTVAKT_SVARUT_INTEGRASJON_ID", "is not a UUID: the %s API needs the Fiks integration's id (a UUID), not its name", c.API)
		}
		if c.IntegrasjonPassord == "" {
			r.Failf("POSTVAKT_SVARUT_INTEGRASJON_PASSORD", "required with the %s API (or _FILE)", c.API)
		}
	case APIv1:
		if c.User == "" {
			r.Failf("POSTVAKT_SVARUT_USER", "required with the v1 API")
		}
		if c.Password == "" {
			r.Failf("POSTVAKT_SVARUT_PASSWORD", "required with the v1 API (or _FILE)")
		}
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return // r.URL has said so
	}
	p := strings.TrimRight(u.Path, "/")
	rooted := c.API == APIv2 || c.API == APIv3 // paths under the API root
	switch {
	case rooted && p == "" && strings.HasSuffix(strings.ToLower(u.Hostname()), "svarut.ks.no"):
		// KS's own host: its v2 and v3 APIs live under /api (the v1
		// service root given when moving from v1).
		r.Failf("POSTVAKT_SVARUT_URL", "%q: %s takes SvarUt's API root (e.g. https://svarut.ks.no/api), to which postvakt appends /%s/…", c.BaseURL, c.API, c.API)
	case c.API == APIv1 && (strings.HasSuffix(p, "/api") || strings.Contains(p, "/tjenester")):
		r.Failf("POSTVAKT_SVARUT_URL", "%q: v1 takes SvarUt's service root (e.g. https://svarut.ks.no), to which postvakt appends /tjenester/api/forsendelse/v1", c.BaseURL)
	case rooted && (strings.Contains(p+"/", "/v2/") || strings.Contains(p+"/", "/v3/") || strings.Contains(p+"/", "/tjenester/")):
		// The version's own path, or v1's (…/tjenester/api/forsendelse/v1,
		// kept from a v1 integration): SvarUt serves /v2/… under neither.
		r.Failf("POSTVAKT_SVARUT_URL", "%q: %s takes SvarUt's API root (e.g. https://svarut.ks.no/api), to which postvakt appends /%s/…", c.BaseURL, c.API, c.API)
	}
}
