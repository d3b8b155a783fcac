package altinn

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/maskinporten"
	"postvakt/internal/sim/simtest"
)

// switchingTokens gives first's tokens until a service refuses one
// (Invalidate), then second's: a Maskinporten client whose scopes were
// changed between two tokens.
type switchingTokens struct {
	mu            sync.Mutex
	first, second TokenSource
	refused       map[string]bool // the tokens a service refused
}

func (s *switchingTokens) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	src := s.first
	if len(s.refused) > 0 {
		src = s.second
	}
	s.mu.Unlock()
	return src.Token(ctx)
}

func (s *switchingTokens) Invalidate(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[tok] = true
	return true
}

// TestSimulatorScopesRefused: against the simulator, which answers a
// token without the Correspondence scopes as the service does (403, no
// body), a token whose scopes are refused is renewed once and the letters
// are read with the new one; when the new one is refused too, the call
// fails naming the scopes, and no letter is blamed.
func TestSimulatorScopesRefused(t *testing.T) {
	srv := simtest.Demo(t, simtest.Options{Seed: 5, Start: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)})
	s := srv.Sim
	var ids []string
	for range 60 {
		for _, r := range s.ShipmentsWithStatus() {
			if r.Channel == "altinn" && r.Status != "" && r.Poison == "" && len(ids) < 3 {
				ids = append(ids, r.ChannelID)
			}
		}
		if len(ids) == 3 {
			break
		}
		ids = nil
		s.Advance(24 * time.Hour)
	}
	if len(ids) < 3 {
		t.Fatal("the simulator sent no three Altinn letters in 60 days")
	}
	keyFile, _ := simtest.ClientKey(t)
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, Logger: log, BackoffBase: time.Millisecond,
		BreakerThreshold: -1, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	source := func(scope string) TokenSource {
		src, err := maskinporten.New(maskinporten.Config{TokenURL: srv.URL + "/token", ClientID: s.Options().ClientID,
			Audience: s.Options().Audience, KeyFile: keyFile, Scope: scope}, hc)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	for _, c := range []struct {
		name          string
		first, second string
		wantErr       bool
	}{
		{"renewed with the scopes", "ks:fiks", DefaultScope, false},
		{"refused again", "ks:fiks", "ks:fiks", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tokens := &switchingTokens{first: source(c.first), second: source(c.second), refused: map[string]bool{}}
			ad, err := New(Config{BaseURL: srv.URL, ResourceID: s.Options().ResourceID, Logger: log}, hc, tokens)
			if err != nil {
				t.Fatal(err)
			}
			obs, err := ad.Status(context.Background(), ids)
			if c.wantErr {
				if !errors.Is(err, errTokenRefused) || obs != nil || !strings.Contains(err.Error(), "altinn:correspondence.write") {
					t.Fatalf("Status: %v (%d observations); want the call's errTokenRefused naming the scopes", err, len(obs))
				}
				return
			}
			if err != nil {
				t.Fatalf("Status: %v; want the letters read with the renewed token", err)
			}
			for _, o := range obs {
				if o.Err != nil {
					t.Errorf("%s: %v", o.ChannelID, o.Err)
				}
			}
			if len(tokens.refused) != 1 {
				t.Errorf("%d tokens refused, want 1: the first, renewed once", len(tokens.refused))
			}
		})
	}
}
