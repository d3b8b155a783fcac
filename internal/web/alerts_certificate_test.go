package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// An alert about no letters (certificate_expiring: a channel's client
// certificate ends) has a page with what fires and why, and no letters:
// no report, no count, no "outside your scope" note, even for a
// compliance officer who sees letters and with letters in the database;
// an export through it has none either.
func TestAlertAboutNoLettersPage(t *testing.T) {
	e := newEnv(t)
	e.seed(12)
	fired, err := e.st.ApplyAlerts(context.Background(), store.AlertChanges{Now: now, Fire: []store.Alert{{Rule: "certificate_expiring",
		Labels: store.Labels{"channel": "digitalpost"}, Severity: "warning",
		Summary:  "the client certificate of Digital Post ends 2026-12-20 13:00 CET (in 19 days)",
		Selector: store.IncidentFilter{Channel: "digitalpost", NoLetters: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	a := fired[0]
	kari := e.browser()
	kari.login("kari", e.user("kari", "compliance", "", ""))
	code, page := kari.get(fmt.Sprintf("/alerts/%d", a.ID))
	if code != 200 || !strings.Contains(page, "channel=digitalpost") || !strings.Contains(page, "ends 2026-12-20 13:00 CET") {
		t.Fatalf("the alert's page: %d\n%s", code, page)
	}
	for _, not := range []string{`id="letters"`, `id="affected"`, `id="out-of-scope"`, `<a href="/shipments/`} {
		if strings.Contains(page, not) {
			t.Errorf("the page of an alert about no letters has %s:\n%s", not, page)
		}
	}
	code, csvText := kari.get(fmt.Sprintf("/incidents/export?alert=%d&format=csv", a.ID))
	if code != 200 || strings.Count(csvText, "\n") != 1 {
		t.Errorf("CSV export through the alert: %d, %d lines, want the header alone:\n%s", code, strings.Count(csvText, "\n"), csvText)
	}
}
