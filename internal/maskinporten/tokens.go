package maskinporten

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/config"
	"postvakt/internal/httpclient"
)

// Client is the configured Maskinporten client that every channel and
// Altinn service shares (POSTVAKT_MASKINPORTEN_*).
type Client struct {
	URL, ClientID, KeyFile, KeyID, Audience string
	// ExchangeURL is the Altinn platform root whose token exchange turns
	// Maskinporten tokens into Altinn tokens (POSTVAKT_ALTINN_EXCHANGE_URL);
	// empty: Altinn gets the Maskinporten token as it is.
	ExchangeURL string
}

// Tokens builds the token sources of one Maskinporten client: one source
// per scope, made once and shared by every caller. It is the one place
// that turns configuration into token sources.
type Tokens struct {
	client Client
	log    *slog.Logger
	reg    prometheus.Registerer

	mu       sync.Mutex
	http     *httpclient.Client // Maskinporten's token endpoint
	exchange *httpclient.Client // Altinn's token exchange: another service, its own breaker
	sources  map[string]TokenSource
}

// FromConfig returns the token sources of the configured client
// (POSTVAKT_MASKINPORTEN_*, POSTVAKT_ALTINN_EXCHANGE_URL); reg may be nil.
func FromConfig(c config.Config, log *slog.Logger, reg prometheus.Registerer) *Tokens {
	m := c.Maskinporten
	return NewTokens(Client{URL: m.URL, ClientID: m.ClientID, KeyFile: m.KeyFile, KeyID: m.KeyID, Audience: m.Audience,
		ExchangeURL: c.Altinn.ExchangeURL}, log, reg)
}

// NewTokens returns the token sources of client; reg may be nil.
func NewTokens(client Client, log *slog.Logger, reg prometheus.Registerer) *Tokens {
	return &Tokens{client: client, log: log, reg: reg, sources: map[string]TokenSource{}}
}

// Source returns the Maskinporten token source for scope, or nil when no
// Maskinporten client is configured (the simulator takes calls without).
func (t *Tokens) Source(scope string) (TokenSource, error) {
	return t.get("mp:"+scope, false, func(hc *httpclient.Client) (TokenSource, error) {
		return New(Config{TokenURL: t.client.URL, Audience: t.client.Audience, ClientID: t.client.ClientID,
			KeyFile: t.client.KeyFile, KeyID: t.client.KeyID, Scope: scope}, hc)
	})
}

// Altinn returns a token source for Altinn's APIs with scope: the
// Maskinporten source, exchanged for Altinn tokens when an exchange URL is
// configured; nil without Maskinporten.
func (t *Tokens) Altinn(scope string) (TokenSource, error) {
	if t == nil || t.client.ExchangeURL == "" {
		return t.Source(scope)
	}
	mp, err := t.Source(scope)
	if err != nil || mp == nil {
		return mp, err
	}
	return t.get("altinn:"+scope, true, func(hc *httpclient.Client) (TokenSource, error) {
		return NewExchanger(t.client.ExchangeURL, hc, mp, nil), nil
	})
}

// get returns the source named key, built with the Maskinporten client,
// or with exchange the Altinn token exchange's: an outage of either must
// not open the breaker the other's requests go through.
func (t *Tokens) get(key string, exchange bool, build func(hc *httpclient.Client) (TokenSource, error)) (TokenSource, error) {
	if t == nil || t.client.URL == "" {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.sources[key]; ok {
		return s, nil
	}
	hc, name := &t.http, "maskinporten"
	if exchange {
		hc, name = &t.exchange, "altinn-exchange"
	}
	if *hc == nil {
		c, err := httpclient.New(httpclient.Options{Name: name, Logger: t.log, Registerer: t.reg})
		if err != nil {
			return nil, fmt.Errorf("%s client: %w", name, err)
		}
		*hc = c
	}
	s, err := build(*hc)
	if err != nil {
		return nil, fmt.Errorf("maskinporten token source for %s: %w", key, err)
	}
	t.sources[key] = s
	return s, nil
}
