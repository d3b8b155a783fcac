package main

import (
	"context"
	"testing"

	"postvakt/internal/config"
	"postvakt/internal/remind"
	"postvakt/internal/sim"
)

// TestEscalatorAltinnTokens: Altinn Profile and Notifications each get a
// client and a token source of their own. Without Maskinporten the start
// stops (config: every call would go without a token, which they refuse).
func TestEscalatorAltinnTokens(t *testing.T) {
	keyFile, _, err := sim.ClientKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		env    map[string]string
		tokens bool
	}{
		{"with Maskinporten", map[string]string{"POSTVAKT_MASKINPORTEN_URL": "http://127.0.0.1:9/token",
			"POSTVAKT_MASKINPORTEN_CLIENT_ID": "postvakt", "POSTVAKT_MASKINPORTEN_KEY_FILE": keyFile, "POSTVAKT_MASKINPORTEN_KEY_ID": "k1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["POSTVAKT_LOG_LEVEL"] = "error"
			tc.env["POSTVAKT_ALTINN_EXCHANGE_URL"] = "http://127.0.0.1:9/exchange/maskinporten"
			tc.env["POSTVAKT_PROFILE_URL"] = "http://127.0.0.1:9/profile/api/v1"
			tc.env["POSTVAKT_NOTIFICATIONS_URL"] = "http://127.0.0.1:9/notifications/api/v1"
			cfg, err := config.Load(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			a, err := open(context.Background(), cfg, 0)
			if err != nil {
				t.Fatal(err)
			}
			esc, err := a.escalator(dryRun)
			if err != nil {
				t.Fatal(err)
			}
			prof := esc.Addresses.(*remind.Resolver).Profile.(*remind.Profile)
			notif := esc.Remind.(*remind.Reminder).Orders.Notifier.(*remind.Notifier)
			if prof.HTTP == nil || notif.HTTP == nil || prof.HTTP == notif.HTTP {
				t.Errorf("clients: Profile %v, Notifications %v; want one each", prof.HTTP, notif.HTTP)
			}
			if (prof.Tokens != nil) != tc.tokens || (notif.Tokens != nil) != tc.tokens {
				t.Errorf("token sources: Profile %v, Notifications %v; want them: %v", prof.Tokens, notif.Tokens, tc.tokens)
			}
			if tc.tokens && prof.Tokens == notif.Tokens {
				t.Error("Profile and Notifications share a token source; each has its own scope")
			}
		})
	}
}
