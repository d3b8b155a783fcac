package altinn

import (
	"strings"
	"testing"

	"postvakt/internal/config"
)

// TestNeedsMaskinporten: Altinn Correspondence takes no request without a
// bearer token (an Altinn token, or a Maskinporten one with
// altinn:serviceowner: the specs' notes; ASP.NET's JWT schemes answer 401
// without one). Without POSTVAKT_MASKINPORTEN_URL postvakt started with a
// warning in its log and sent every details call and search without a
// token, which Altinn refuses at every poll, naming no setting: the start
// stops naming the variable, as SvarUt's v2 and v3 do.
func TestNeedsMaskinporten(t *testing.T) {
	for _, tc := range []struct {
		mp   string
		fail bool
	}{
		{"", true},
		{"https://maskinporten.no/token", false},
	} {
		env := map[string]string{"POSTVAKT_ALTINN_URL": "https://platform.altinn.no"}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		op := configure(config.Config{Maskinporten: config.Maskinporten{URL: tc.mp}}, r)
		err := r.Err()
		if tc.fail != (err != nil) || tc.fail && !strings.Contains(err.Error(), "POSTVAKT_MASKINPORTEN_URL") {
			t.Errorf("Maskinporten %q: %v; want a failure naming POSTVAKT_MASKINPORTEN_URL: %v", tc.mp, err, tc.fail)
		}
		if op == nil {
			t.Errorf("Maskinporten %q: Altinn off with its URL set", tc.mp)
		}
	}
	// Altinn off: nothing is needed.
	r := config.NewReader(func(string) (string, bool) { return "", false })
	if op := configure(config.Config{}, r); op != nil || r.Err() != nil {
		t.Errorf("without POSTVAKT_ALTINN_URL: opener %v, %v; want Altinn off and no error", op != nil, r.Err())
	}
}

// TestMaskinportenOfItsEnvironment: Altinn's TT02 takes the tokens of
// Maskinporten's test environment only, production those of production's:
// POSTVAKT_ALTINN_URL of one beside a token endpoint of the other had every
// call refused; the start stops naming it (config.OtherEnvironment).
func TestMaskinportenOfItsEnvironment(t *testing.T) {
	for _, tc := range []struct {
		altinn, mp string
		fail       bool
	}{
		{"https://platform.tt02.altinn.no", "https://test.maskinporten.no/token", false},
		{"https://platform.tt02.altinn.no", "https://maskinporten.no/token", true},
		{"https://platform.altinn.no", "https://test.maskinporten.no/token", true},
	} {
		env := map[string]string{"POSTVAKT_ALTINN_URL": tc.altinn}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		configure(config.Config{Maskinporten: config.Maskinporten{URL: tc.mp}}, r)
		err := r.Err()
		if tc.fail != (err != nil) || tc.fail && !strings.Contains(err.Error(), "POSTVAKT_ALTINN_URL") {
			t.Errorf("%s with %s: %v; want a failure naming POSTVAKT_ALTINN_URL: %v", tc.altinn, tc.mp, err, tc.fail)
		}
	}
}
