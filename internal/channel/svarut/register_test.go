package svarut

import (
	"strings"
	"testing"

	"postvakt/internal/config"
)

// TestIntegrasjonIDIsAUUID: a Fiks integration's id is a UUID (KS's own
// client takes IntegrasjonId as java.util.UUID and sends it as such). One
// that is none (the integration's name, as the Fiks forvaltning page
// shows it beside the id, or the id cut short) made every status-sok and
// history fail at SvarUt at every poll, the cause named nowhere; it stops
// the start naming POSTVAKT_SVARUT_INTEGRASJON_ID, as a KONTO_ID that is
// no UUID does. Its case is SvarUt's business, not refused.
func TestIntegrasjonIDIsAUUID(t *testing.T) {
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{"0c1b8e4e-7d0a-4d8e-9a34-5f7c2a1b9e10", true},
		{"0C1B8E4E-7D0A-4D8E-9A34-5F7C2A1B9E10", true},
		{"Bergen kommune sak/arkiv", false},
		{"0c1b8e4e-7d0a-4d8e-9a34", false},
	} {
		for _, api := range []string{APIv2, APIv3} {
			env := map[string]string{
				"POSTVAKT_SVARUT_URL": "https://svarut.ks.no/api", "POSTVAKT_SVARUT_API": api,
				"POSTVAKT_SVARUT_KONTO_ID": kontoID, "POSTVAKT_SVARUT_INTEGRASJON_ID": tt.id,
				"POSTVAKT_SVARUT_INTEGRASJON_PASSORD": integrPW,
			}
			r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			configure(withMaskinporten, r)
			err := r.Err()
			if tt.ok && err != nil {
				t.Errorf("%s integration id %q: %v", api, tt.id, err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), "POSTVAKT_SVARUT_INTEGRASJON_ID")) {
				t.Errorf("%s integration id %q: %v; want the start stopped naming POSTVAKT_SVARUT_INTEGRASJON_ID", api, tt.id, err)
			}
			if err != nil && strings.Contains(err.Error(), integrPW) {
				t.Errorf("the error shows the password: %v", err)
			}
		}
	}
}

// withMaskinporten is a configuration whose Maskinporten client is set.
var withMaskinporten = config.Config{Maskinporten: config.Maskinporten{URL: "https://maskinporten.no/token"}}

// TestV2NeedsMaskinporten: SvarUt's v2 and v3 APIs take a request only
// with a Maskinporten token (scope ks:fiks) beside the integration's
// headers (the notes; v3's file requires bearerAuth; KS's client sends
// it on every call). Without POSTVAKT_MASKINPORTEN_URL postvakt started
// with a warning in its log and sent every status-sok and history without
// one, which SvarUt refuses at every poll: the start stops naming the
// variable, as it does for the integration's. v1 (HTTP Basic) needs none.
func TestV2NeedsMaskinporten(t *testing.T) {
	for _, tt := range []struct {
		api  string
		cfg  config.Config
		fail bool
	}{
		{APIv2, config.Config{}, true},
		{APIv3, config.Config{}, true},
		{APIv2, withMaskinporten, false},
		{APIv3, withMaskinporten, false},
		{APIv1, config.Config{}, false},
	} {
		env := map[string]string{
			"POSTVAKT_SVARUT_URL": "https://svarut.ks.no/api", "POSTVAKT_SVARUT_API": tt.api,
			"POSTVAKT_SVARUT_KONTO_ID": kontoID, "POSTVAKT_SVARUT_INTEGRASJON_ID": "0c1b8e4e-7d0a-4d8e-9a34-5f7c2a1b9e10",
			"POSTVAKT_SVARUT_INTEGRASJON_PASSORD": integrPW, "POSTVAKT_SVARUT_USER": v1User, "POSTVAKT_SVARUT_PASSWORD": v1Pass,
		}
		if tt.api == APIv1 {
			env["POSTVAKT_SVARUT_URL"] = "https://svarut.ks.no"
		}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		configure(tt.cfg, r)
		err := r.Err()
		if tt.fail != (err != nil) || tt.fail && !strings.Contains(err.Error(), "POSTVAKT_MASKINPORTEN_URL") {
			t.Errorf("%s, Maskinporten %q: %v; want a failure naming POSTVAKT_MASKINPORTEN_URL: %v", tt.api, tt.cfg.Maskinporten.URL, err, tt.fail)
		}
	}
}

// TestV2RootNotV1Path: v2 and v3 take SvarUt's API root, to which postvakt
// appends /v2/… (/v3/…). The v1 API's path (…/tjenester/api/forsendelse/v1,
// what an integration moving from v1 has written down, here or behind a
// gateway of its own) was taken: every status-sok went to
// …/forsendelse/v1/v2/kontoer/…, a path SvarUt does not serve, and every
// poll failed with a 404, the setting named nowhere. It stops the start,
// as v1 under the v2 root does.
func TestV2RootNotV1Path(t *testing.T) {
	for _, tt := range []struct {
		api, url string
		ok       bool
	}{
		{APIv2, "https://svarut.ks.no/api", true},
		{APIv2, "https://svarut-proxy.kommune.no/svarut/api", true},
		{APIv2, "https://svarut.ks.no/tjenester/api/forsendelse/v1", false},
		{APIv3, "https://svarut.ks.no/tjenester/api/forsendelse/v1/", false},
		{APIv2, "https://svarut-proxy.kommune.no/tjenester/api/forsendelse/v1", false},
		{APIv1, "https://svarut.ks.no", true},
	} {
		env := map[string]string{
			"POSTVAKT_SVARUT_URL": tt.url, "POSTVAKT_SVARUT_API": tt.api,
			"POSTVAKT_SVARUT_KONTO_ID": kontoID, "POSTVAKT_SVARUT_INTEGRASJON_ID": "0c1b8e4e-7d0a-4d8e-9a34-5f7c2a1b9e10",
			"POSTVAKT_SVARUT_INTEGRASJON_PASSORD": integrPW, "POSTVAKT_SVARUT_USER": v1User, "POSTVAKT_SVARUT_PASSWORD": v1Pass,
		}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		configure(withMaskinporten, r)
		err := r.Err()
		if tt.ok != (err == nil) || !tt.ok && !strings.Contains(err.Error(), "POSTVAKT_SVARUT_URL") {
			t.Errorf("%s at %s: %v; want it taken: %v", tt.api, tt.url, err, tt.ok)
		}
	}
}
