package altinn

import (
	"fmt"

	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/httpclient"
)

func init() {
	channel.Register(channel.Spec{Name: "altinn", Discovers: true, UUIDs: true, Display: "Altinn", Country: "NO", Configure: configure,
		Letter: map[string]string{"no": "Altinn-melding", "da": "Altinn-meddelelse", "en": "Altinn correspondence"}})
}

// configure reads POSTVAKT_ALTINN_URL; the platform's shared settings
// (resource, token exchange) are in cfg.Altinn. Altinn is off without a URL.
// Correspondence takes no request without a bearer token, so the start
// needs a Maskinporten client (cfg.Maskinporten).
func configure(cfg config.Config, r *config.Reader) channel.Opener {
	base := r.URL("POSTVAKT_ALTINN_URL", "Altinn platform root (e.g. https://platform.altinn.no); unset = Altinn off. Correspondence's token has the scopes "+DefaultScope)
	if base == "" {
		return nil
	}
	if config.HasPathSegment(base, "correspondence") {
		// Altinn's app answers a path it has no route for 404 without a
		// body, as it answers a correspondence it does not have: every
		// letter would read as unknown to the channel.
		r.Failf("POSTVAKT_ALTINN_URL", "%q holds the Correspondence API's path: give the platform root (e.g. https://platform.altinn.no), to which postvakt adds %s", base, basePath)
	}
	if err := config.OtherEnvironment(base, cfg.Maskinporten.URL); err != nil {
		r.Failf("POSTVAKT_ALTINN_URL", "%s", err)
	}
	if cfg.Maskinporten.URL == "" {
		// Without it every details call and search would go without a
		// token, and Altinn answers each 401: every poll would fail.
		r.Failf("POSTVAKT_MASKINPORTEN_URL", "required with POSTVAKT_ALTINN_URL: Altinn Correspondence takes its calls only with a token (Maskinporten scopes %s), see Maskinporten", DefaultScope)
	}
	return func(deps channel.Deps) (channel.Adapter, error) {
		hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: base, Logger: deps.Log, Registerer: deps.Registerer})
		if err != nil {
			return nil, fmt.Errorf("altinn client: %w", err)
		}
		var tokens TokenSource
		src, err := deps.Tokens.Altinn(DefaultScope)
		if err != nil {
			return nil, fmt.Errorf("altinn: %w", err)
		}
		if src != nil {
			tokens = src
		}
		return New(Config{BaseURL: base, ResourceID: cfg.Altinn.ResourceID, Logger: deps.Log}, hc, tokens)
	}
}
