package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/i18n"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// From an independent review of languages: health.yaml may set never_opening_org.letters: 1
// (the parser takes any count from 1); an organisation with one unopened
// confidential letter then fires, and its reason is said with the plural
// form whatever the count: "sine seneste 1 fortrolige breve", "its last 1
// confidential letters".
func TestNeverOpeningOneLetterSingular(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	cfg := policy.DefaultHealth().NeverOpening
	cfg.Letters = 1
	for _, org := range []string{"14691804", "974760673"} {
		got := health.NeverOpening(cfg, health.Facts{Now: t0, Orgs: []store.OrgFacts{{Org: org, Unopened: 1, From: t0.AddDate(0, -2, 0)}}})
		if len(got) != 1 {
			t.Fatalf("%s: got %+v", org, got)
		}
		a := store.Alert{Rule: got[0].Rule, Labels: got[0].Labels, Why: got[0].Why, Summary: got[0].Summary}
		for lang, wrong := range map[string]string{"da": "1 fortrolige breve", "nb": "1 taushetsbelagte brev", "en": "1 confidential letters"} {
			if why := health.Why(i18n.For(lang, nil), a); strings.Contains(why, wrong) {
				t.Errorf("%s, %s: %q says %q (one letter in the plural)", org, lang, why, wrong)
			}
		}
	}
}
