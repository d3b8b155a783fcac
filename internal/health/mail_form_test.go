package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// An alert e-mail writes its counts as each of its languages groups
// digits (nb "1 307" with a no-break space, en "1,307"), in the count of
// letters, the rest not listed and the reasons kept as text; an
// organisation number among the reasons stays as it is.
func TestAlertMailCountsGrouped(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	ns := []health.AlertNotice{{Transition: store.TransitionFiring, Seq: 1, Alert: store.Alert{ID: 7, Rule: "never_opening_org",
		Labels: store.Labels{"sender": "964338531", "org": "974760673"}, Severity: "warning", Affected: 1307, StartedAt: now.Add(-time.Hour),
		Why: []store.AlertReason{{Key: "mail.alert.why.never_opening", Args: map[string]string{"Org": "974760673", "Count": "1307", "Since": "2026-10-01"}}}}}}
	body := health.Body("never_opening_org", ns, "", now)
	for _, want := range []string{"1\u00a0307 brev berørt", "1\u00a0307 brev", "974760673", "1,307 letters affected"} {
		if !strings.Contains(body, want) {
			t.Errorf("the body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "1307") || strings.Contains(body, "974\u00a0760\u00a0673") {
		t.Errorf("a count not grouped, or an organisation number grouped:\n%s", body)
	}
	if s := health.Subject("never_opening_org", ns); !strings.HasSuffix(s, ": 1 alert, 1,307 letters") {
		t.Errorf("subject %q", s)
	}
}

// An alert e-mail's times carry the zone abbreviation of their instant in
// Oslo: CEST in summer, CET in winter.
func TestAlertMailZoneBySeason(t *testing.T) {
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), "2026-07-01 11:00 CEST"},
		{time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), "2026-03-29 03:30 CEST"}, // the first hour of summer time
		{time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), "2026-03-29 01:30 CET"},
		{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), "2026-12-01 10:00 CET"},
	} {
		ns := []health.AlertNotice{{Transition: store.TransitionFiring, Seq: 1, Alert: store.Alert{ID: 7, Rule: "stuck",
			Labels: store.Labels{"sender": "964338531"}, Severity: "warning", Affected: 2, StartedAt: tc.now}}}
		body := health.Body("stuck", ns, "", tc.now)
		if !strings.Contains(body, "as of "+tc.want) || !strings.Contains(body, "since "+tc.want) {
			t.Errorf("%s: want %q as the heading's and the alert's time in\n%s", tc.now, tc.want, body)
		}
	}
}

// Every count among an alert's reasons is grouped alike: print_provider_silent's
// "1 307 av 2 000 åpne" (Count and Open), never one grouped beside one not.
func TestAlertReasonCountsAllGrouped(t *testing.T) {
	a := store.Alert{Rule: "print_provider_silent", Why: []store.AlertReason{{Key: "mail.alert.why.print_provider_silent",
		Args:      map[string]string{"Provider": "print.example", "Count": "1307", "Open": "2000", "Since": "2026-11-16 09:00 CET"},
		Durations: map[string]int64{"After": 6 * 3600}}}}
	for _, tc := range []struct{ lang, want string }{
		{"nb", "1\u00a0307 av 2\u00a0000 åpne"},
		{"da", "1.307 af 2.000 åbne"},
		{"en", "1,307 of 2,000 open"},
	} {
		if got := health.Why(i18n.For(tc.lang, nil), a); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
}
