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

// TestOnePrintOrderUnplacedPlural: one print order the provider has
// not placed (the rule fires from one, pf.Unplaced > 0) is told in the
// singular in each of the mail's languages; the catalogues have no plural
// for mail.alert.why.print_unplaced, so it says "1 print orders",
// "1 utskriftsbestillinger", "1 printbestillinger".
func TestOnePrintOrderUnplacedPlural(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	since := now.Add(-7 * time.Hour)
	f := store.PrintProviderFacts{Open: 1, Unplaced: 1, UnplacedSince: &since}
	cs := health.PrintProviderSilent(policy.DefaultHealth().PrintSilent, health.Facts{Now: now,
		Print: &health.PrintProvider{Host: "print.example.no", Facts: f}})
	if len(cs) != 1 {
		t.Fatalf("%d conditions, want one", len(cs))
	}
	a := store.Alert{Why: cs[0].Why, Summary: cs[0].Summary}
	for _, tc := range []struct{ lang, wrong string }{
		{"en", "1 print orders"},
		{"nb", "1 utskriftsbestillinger"},
		{"da", "1 printbestillinger"},
	} {
		got := health.Why(i18n.For(tc.lang, nil), a)
		if strings.Contains(got, tc.wrong) {
			t.Errorf("%s: %q has the plural for one order (%q)", tc.lang, got, tc.wrong)
		}
	}
	if strings.Contains(cs[0].Summary, "1 print orders") {
		t.Errorf("summary (webhook, API) %q says \"1 print orders\"", cs[0].Summary)
	}
}
