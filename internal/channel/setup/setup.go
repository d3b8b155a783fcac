// Package setup builds the configured channel adapters from the
// configuration: one HTTP client each, and Maskinporten token sources.
// Adding a channel means one package under internal/channel plus a block here.
package setup

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/channel"
	"postvakt/internal/channel/altinn"
	"postvakt/internal/channel/digitalpost"
	"postvakt/internal/channel/svarut"
	"postvakt/internal/config"
	"postvakt/internal/httpclient"
	"postvakt/internal/maskinporten"
)

// Build wires the channels whose URL is configured. reg may be nil.
func Build(cfg config.Config, log *slog.Logger, reg prometheus.Registerer) ([]channel.Channel, error) {
	var out []channel.Channel
	if cfg.SvarUt.URL != "" {
		sc := svarut.Config{BaseURL: cfg.SvarUt.URL, API: cfg.SvarUt.API, KontoID: cfg.SvarUt.KontoID,
			IntegrasjonID: cfg.SvarUt.IntegrasjonID, IntegrasjonPassord: cfg.SvarUt.IntegrasjonPassord,
			User: cfg.SvarUt.User, Password: cfg.SvarUt.Password, Logger: log}
		hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: sc.BaseURL, Secrets: sc.Secrets(),
			Logger: log, Registerer: reg, RatePerSecond: cfg.SvarUt.RatePerSecond})
		if err != nil {
			return nil, fmt.Errorf("svarut client: %w", err)
		}
		var tokens svarut.TokenSource
		if sc.API != svarut.APIv1 {
			src, err := tokenSource(cfg, "ks:fiks", log, reg)
			if err != nil {
				return nil, fmt.Errorf("svarut: %w", err)
			}
			if src != nil {
				tokens = src
			}
		}
		c, err := svarut.New(sc, hc, tokens)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if cfg.Altinn.URL != "" {
		hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: cfg.Altinn.URL, Logger: log, Registerer: reg})
		if err != nil {
			return nil, fmt.Errorf("altinn client: %w", err)
		}
		var tokens altinn.TokenSource
		src, err := tokenSource(cfg, altinn.DefaultScope, log, reg)
		if err != nil {
			return nil, fmt.Errorf("altinn: %w", err)
		}
		if src != nil {
			tokens = src
		}
		c, err := altinn.New(altinn.Config{BaseURL: cfg.Altinn.URL, ResourceID: cfg.Altinn.ResourceID,
			ExchangeURL: cfg.Altinn.ExchangeURL, Logger: log}, hc, tokens)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if cfg.DigitalPost.URL != "" {
		d := cfg.DigitalPost
		if d.Err != nil {
			return nil, d.Err
		}
		c, err := digitalpost.Build(digitalpost.Config{BaseURL: d.URL, SystemID: d.SystemID, APIToken: d.APIToken,
			CertFile: d.CertFile, KeyFile: d.KeyFile, Overlap: d.Overlap, Logger: log}, reg)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// tokenSource builds a Maskinporten token source for one scope, or nil when
// Maskinporten is not configured.
func tokenSource(cfg config.Config, scope string, log *slog.Logger, reg prometheus.Registerer) (*maskinporten.Source, error) {
	m := cfg.Maskinporten
	if m.URL == "" {
		return nil, nil
	}
	if m.ClientID == "" || m.KeyFile == "" {
		return nil, fmt.Errorf("POSTVAKT_MASKINPORTEN_URL is set, so POSTVAKT_MASKINPORTEN_CLIENT_ID and POSTVAKT_MASKINPORTEN_KEY_FILE are needed too")
	}
	hc, err := httpclient.New(httpclient.Options{Name: "maskinporten", Logger: log, Registerer: reg})
	if err != nil {
		return nil, err
	}
	return maskinporten.New(maskinporten.Config{TokenURL: m.URL, Audience: m.Audience, ClientID: m.ClientID,
		KeyFile: m.KeyFile, Scope: scope}, hc)
}

// Pick returns one channel by name, or all when name is empty.
func Pick(chans []channel.Channel, name string) ([]channel.Channel, error) {
	if name == "" {
		return chans, nil
	}
	for _, c := range chans {
		if c.Name() == name {
			return []channel.Channel{c}, nil
		}
	}
	return nil, fmt.Errorf("channel %q is not configured (set its POSTVAKT_%s_URL)", name, strings.ToUpper(name))
}
