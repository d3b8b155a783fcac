package config

import (
	"strings"
	"testing"
)

// TestExchangeURLIsThePlatformRoot: POSTVAKT_ALTINN_EXCHANGE_URL is the
// Altinn platform root, to which postvakt adds the exchange's path
// (/authentication/api/v1/exchange/maskinporten). Written as the endpoint
// itself (as Altinn's documentation names it), every exchange went to
// …/exchange/maskinporten/authentication/api/v1/exchange/maskinporten,
// which Altinn answers 404: no Altinn token, so every Correspondence
// call, Profile lookup and Notifications order failed, naming no setting.
// The start stops, naming the variable.
func TestExchangeURLIsThePlatformRoot(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://platform.altinn.no", true},
		{"https://platform.tt02.altinn.no/", true},
		{"https://gw.kommune.no/altinn", true},
		{"https://gw.kommune.no/altinn-authentication", true},
		{"https://platform.altinn.no/authentication/api/v1/exchange/maskinporten", false},
		{"https://platform.altinn.no/authentication/api/v1", false},
		{"https://platform.tt02.altinn.no/Authentication/", false},
	} {
		_, err := Load(lookup(map[string]string{"POSTVAKT_ALTINN_EXCHANGE_URL": tc.url}))
		if tc.ok && err != nil {
			t.Errorf("%q: %v, want accepted", tc.url, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "POSTVAKT_ALTINN_EXCHANGE_URL")) {
			t.Errorf("%q: %v, want a refusal naming POSTVAKT_ALTINN_EXCHANGE_URL", tc.url, err)
		}
	}
}
