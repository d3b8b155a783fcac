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

// TestServiceURLsAreAPIBases: POSTVAKT_PROFILE_URL and
// POSTVAKT_NOTIFICATIONS_URL are the APIs' bases (…/profile/api/v1,
// …/notifications/api/v1), to which postvakt adds the lookup's and the
// orders' paths. Written as the endpoint itself, or on Altinn's platform
// without the API's path (its root, as POSTVAKT_ALTINN_URL is written),
// every address lookup and every reminder order went to a path Altinn
// does not serve and was answered 404, naming no setting: the start
// stops, naming the variable. A gateway's own path is taken as it is.
func TestServiceURLsAreAPIBases(t *testing.T) {
	for _, tc := range []struct {
		key, url string
		ok       bool
	}{
		{"POSTVAKT_PROFILE_URL", "https://platform.altinn.no/profile/api/v1", true},
		{"POSTVAKT_PROFILE_URL", "https://platform.altinn.no/profile/api/v1/", true},
		{"POSTVAKT_PROFILE_URL", "https://gw.kommune.no/altinn-profile", true},
		{"POSTVAKT_PROFILE_URL", "http://127.0.0.1:8090/profile/api/v1", true},
		{"POSTVAKT_PROFILE_URL", "https://platform.altinn.no", false},
		{"POSTVAKT_PROFILE_URL", "https://platform.tt02.altinn.no/profile", false},
		{"POSTVAKT_PROFILE_URL", "https://platform.altinn.no/profile/api/v1/correspondence/organizations/notificationaddresses/lookup", false},
		{"POSTVAKT_PROFILE_URL", "https://gw.kommune.no/profile/api/v1/correspondence/organizations/notificationaddresses/lookup", false},
		{"POSTVAKT_NOTIFICATIONS_URL", "https://platform.altinn.no/notifications/api/v1", true},
		{"POSTVAKT_NOTIFICATIONS_URL", "https://gw.kommune.no/altinn-notifications", true},
		{"POSTVAKT_NOTIFICATIONS_URL", "https://platform.altinn.no", false},
		{"POSTVAKT_NOTIFICATIONS_URL", "https://platform.altinn.no/notifications/api/v1/future/orders", false},
		{"POSTVAKT_NOTIFICATIONS_URL", "https://gw.kommune.no/notifications/api/v1/orders", false},
	} {
		env := map[string]string{tc.key: tc.url, "POSTVAKT_ALTINN_EXCHANGE_URL": "https://platform.altinn.no",
			"POSTVAKT_MASKINPORTEN_URL": "https://maskinporten.no/token", "POSTVAKT_MASKINPORTEN_CLIENT_ID": "postvakt",
			"POSTVAKT_MASKINPORTEN_KEY_FILE": "/run/secrets/maskinporten.pem", "POSTVAKT_MASKINPORTEN_KEY_ID": "k1"}
		_, err := Load(lookup(env))
		if tc.ok && err != nil {
			t.Errorf("%s=%s: %v, want accepted", tc.key, tc.url, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), tc.key)) {
			t.Errorf("%s=%s: %v, want a refusal naming it", tc.key, tc.url, err)
		}
	}
}

// TestAltinnAndMaskinportenOneEnvironment: Altinn's test platform (TT02)
// takes tokens of Maskinporten's test environment only, and production
// those of production's: a token of the other environment is refused
// (IDX10205, or the exchange's 401) on every call, Correspondence,
// Profile and Notifications alike, after the start. A URL of one beside a
// token endpoint of the other (settings copied in part from test to
// production) stops the start, naming the variable; a gateway or the
// simulator is taken as it is.
func TestAltinnAndMaskinportenOneEnvironment(t *testing.T) {
	for _, tc := range []struct {
		altinn, maskinporten string
		ok                   bool
	}{
		{"https://platform.altinn.no", "https://maskinporten.no/token", true},
		{"https://platform.tt02.altinn.no", "https://test.maskinporten.no/token", true},
		{"https://gw.kommune.no/altinn", "https://maskinporten.no/token", true},
		{"http://127.0.0.1:8090", "http://127.0.0.1:8090/token", true},
		{"https://platform.tt02.altinn.no", "https://maskinporten.no/token", false},
		{"https://platform.altinn.no", "https://test.maskinporten.no/token", false},
	} {
		for _, key := range []string{"POSTVAKT_ALTINN_EXCHANGE_URL", "POSTVAKT_PROFILE_URL"} {
			u := tc.altinn
			if key == "POSTVAKT_PROFILE_URL" {
				u += "/profile/api/v1"
			}
			env := map[string]string{key: u, "POSTVAKT_ALTINN_EXCHANGE_URL": tc.altinn,
				"POSTVAKT_MASKINPORTEN_URL": tc.maskinporten, "POSTVAKT_MASKINPORTEN_CLIENT_ID": "postvakt",
				"POSTVAKT_MASKINPORTEN_KEY_FILE": "/run/secrets/maskinporten.pem", "POSTVAKT_MASKINPORTEN_KEY_ID": "k1"}
			_, err := Load(lookup(env))
			if tc.ok && err != nil {
				t.Errorf("%s=%s with %s: %v, want accepted", key, u, tc.maskinporten, err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), key)) {
				t.Errorf("%s=%s with %s: %v, want a refusal naming it", key, u, tc.maskinporten, err)
			}
		}
	}
	for _, tc := range []struct {
		altinn, maskinporten string
		ok                   bool
	}{
		{"https://platform.tt02.altinn.no", "https://test.maskinporten.no/token", true},
		{"https://platform.tt02.altinn.no", "https://maskinporten.no/token", false},
		{"https://platform.altinn.no", "https://test.maskinporten.no/token", false},
		{"https://platform.altinn.no", "", true},
	} {
		err := OtherEnvironment(tc.altinn, tc.maskinporten)
		if tc.ok != (err == nil) {
			t.Errorf("OtherEnvironment(%s, %s) = %v, want none: %v", tc.altinn, tc.maskinporten, err, tc.ok)
		}
	}
}
