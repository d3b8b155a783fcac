package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestNeverOpeningDanishOrgAlertInDanish: never_opening_org's labels carry
// neither sender nor channel, only the receiving organisation: its mail is
// in that organisation's language (a CVR number Danish, a 9-digit number
// bokmål), then English, as other alerts' are in their sender's.
func TestNeverOpeningDanishOrgAlertInDanish(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		org, want string
	}{
		{"14691804", "da,en"},  // CVR: Hellerup Ejendomme A/S
		{"974760673", "nb,en"}, // Norwegian organisation number
	} {
		ns := []health.AlertNotice{{Transition: store.TransitionFiring, Alert: store.Alert{ID: 3, Rule: "never_opening_org",
			Labels: store.Labels{"org": tc.org}, Severity: "info", Affected: 4, Summary: "…", StartedAt: now}}}
		if got := strings.Join(health.Languages(ns), ","); got != tc.want {
			t.Errorf("never_opening_org about %s: mail languages %s, want %s", tc.org, got, tc.want)
		}
	}
}

// TestAlertMailLetterColumnsMatchHeading: the heading of an alert e-mail's
// letters names the fields each line has ("Breve (reference; sendt;
// tilstand):"); the sending unit is left out of the lines on purpose.
func TestAlertMailLetterColumnsMatchHeading(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	ns := []health.AlertNotice{{Transition: store.TransitionFiring, Alert: store.Alert{ID: 7, Rule: "stuck",
		Labels: store.Labels{"sender": "64942212", "unit": "Socialforvaltningen", "channel": "digitalpost"}, Severity: "critical",
		Affected: 1, Summary: "…", StartedAt: now.Add(-time.Hour)},
		Letters: []store.IncidentRow{{Letter: store.Letter{Channel: "digitalpost", ChannelID: "0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c41",
			SenderUnit: "Socialforvaltningen", SentAt: now.Add(-48 * time.Hour), State: model.StateAccepted}}}}}
	body := health.Body("stuck", ns, "", now)
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "Breve (") || i+1 >= len(lines) {
			continue
		}
		head := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(l), "Breve ("), "):")
		row := strings.TrimSpace(lines[i+1])
		if h, r := len(strings.Split(head, ";")), len(strings.Split(row, ";")); h != r {
			t.Errorf("heading %q names %d fields, the letter %q has %d", l, h, row, r)
		}
		return
	}
	t.Fatalf("no Danish letters heading:\n%s", body)
}
