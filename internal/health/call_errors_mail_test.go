package health_test

import (
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/logtest"
	"postvakt/internal/store"
)

// TestCallErrorsAlertSaysNoLettersCounted: a channel_silent alert raised
// only because the channel's calls fail counts no letters (postvakt
// could not ask about them); its subject does not say "0 letters" nor
// its body "0 letters affected", which read as "nothing was sent": they
// say what failed. An alert with letters keeps its count.
func TestCallErrorsAlertSaysNoLettersCounted(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	failing := health.AlertNotice{Transition: store.TransitionFiring, Seq: 1, Alert: store.Alert{ID: 4, Rule: "channel_silent",
		Labels: store.Labels{"channel": "digitalpost"}, Severity: "critical", Affected: 0, StartedAt: now.Add(-time.Hour),
		Summary: "digitalpost: 12 of 12 calls in the last 1 hour failed",
		Why: []store.AlertReason{{Key: "mail.alert.why.call_errors", Args: map[string]string{"Errors": "12", "Calls": "12"},
			Durations: map[string]int64{"Window": 3600}}},
		Selector: store.IncidentFilter{Channel: "digitalpost"}}}
	if s := health.Subject("channel_silent", []health.AlertNotice{failing}); s != "[postvakt] FIRING channel_silent: 1 alert" {
		t.Errorf("subject %q", s)
	}
	body := health.Body("channel_silent", []health.AlertNotice{failing}, "https://p.example", now)
	logtest.Says(t, "call errors", body, []string{"12 of 12 calls in the last 1 hour failed"}, []string{"0 letters", "0 breve"})

	overdue := failing
	overdue.Alert.Affected = 5
	both := []health.AlertNotice{failing, overdue}
	if s := health.Subject("channel_silent", both); s != "[postvakt] FIRING channel_silent: 2 alerts, 5 letters" {
		t.Errorf("subject with letters %q", s)
	}
}
