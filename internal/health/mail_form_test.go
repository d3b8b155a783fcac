package health_test

import (
	"encoding/json"
	"path"
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

// TestKeptFiguresCarryTheirTime: an alert kept firing without its
// condition tells its last count with the time it was counted wherever
// the count goes: the mail's subject total says "as of" the (oldest)
// kept count's time, the body in each of its languages (mail.alert.kept),
// the webhook's annotations carry affected_as_of (RFC 3339 UTC) beside
// affected. An alert whose condition held at the last evaluation says no
// time in the subject, and its affected_as_of is that evaluation's.
func TestKeptFiguresCarryTheirTime(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	held := now.Add(-10 * time.Minute)
	alert := store.Alert{ID: 7, Fingerprint: "a", Rule: "stuck", Labels: store.Labels{"channel": "svarut", "sender": "964338531", "unit": "NAV"},
		Severity: "critical", Status: store.AlertFiring, Affected: 6, StartedAt: now.Add(-time.Hour), UpdatedAt: now, HeldAt: &now}
	kept := alert
	kept.ID, kept.Fingerprint, kept.HeldAt, kept.Labels = 8, "b", &held, store.Labels{"channel": "svarut", "sender": "964338531", "unit": "BUF"}
	older := held.Add(-5 * time.Minute)
	keptLonger := kept
	keptLonger.ID, keptLonger.Fingerprint, keptLonger.HeldAt = 9, "c", &older
	resolvedOld := alert // resolved before held_at was kept: no time known
	resolvedOld.ID, resolvedOld.Fingerprint, resolvedOld.Status, resolvedOld.HeldAt = 10, "d", store.AlertResolved, nil
	firing := func(as ...store.Alert) []health.AlertNotice {
		var ns []health.AlertNotice
		for _, a := range as {
			ns = append(ns, health.AlertNotice{Alert: a, Transition: store.TransitionFiring, Seq: 2})
		}
		return ns
	}
	for _, tc := range []struct {
		name, subject string
		ns            []health.AlertNotice
		asOf          map[string]string // alert id: the webhook's affected_as_of ("" none)
	}{
		{"held", "[postvakt] FIRING stuck: 1 alert, 6 letters", firing(alert), map[string]string{"7": "2026-11-16T09:00:00Z"}},
		{"kept", "[postvakt] FIRING stuck: 1 alert, 6 letters as of 2026-11-16 09:50 CET", firing(kept),
			map[string]string{"8": "2026-11-16T08:50:00Z"}},
		{"held and kept", "[postvakt] FIRING stuck: 3 alerts, 18 letters as of 2026-11-16 09:45 CET", firing(alert, kept, keptLonger),
			map[string]string{"7": "2026-11-16T09:00:00Z", "8": "2026-11-16T08:50:00Z", "9": "2026-11-16T08:45:00Z"}},
		{"kept and a resolved one", "[postvakt] FIRING stuck: 1 alert, 6 letters as of 2026-11-16 09:50 CET (1 resolved)",
			append(firing(kept), health.AlertNotice{Alert: resolvedOld, Transition: store.TransitionResolved, Seq: 1}),
			map[string]string{"8": "2026-11-16T08:50:00Z", "10": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := health.Subject("stuck", tc.ns); s != tc.subject {
				t.Errorf("subject %q, want %q", s, tc.subject)
			}
			b, err := health.WebhookMessage("stuck", tc.ns, "https://p.example", now, false)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Alerts []struct {
					Fingerprint  string            `json:"fingerprint"`
					GeneratorURL string            `json:"generatorURL"`
					Annotations  map[string]string `json:"annotations"`
				} `json:"alerts"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for _, a := range m.Alerts {
				want := tc.asOf[path.Base(a.GeneratorURL)]
				if got, ok := a.Annotations["affected_as_of"]; got != want || ok != (want != "") {
					t.Errorf("alert %s: affected_as_of %q (%v), want %q", a.Fingerprint, got, ok, want)
				}
				if a.Annotations["affected"] != "6" {
					t.Errorf("alert %s: affected %q, want 6 as before", a.Fingerprint, a.Annotations["affected"])
				}
			}
		})
	}
	// The body says it in the recipient's language, beside the count.
	body := health.Body("stuck", firing(kept), "https://p.example", now)
	for _, w := range []string{"6 brev berørt", "antallet og årsakene over er per da", "6 letters affected", "the count and reasons above are as of then"} {
		if !strings.Contains(body, w) {
			t.Errorf("the kept alert's mail lacks %q:\n%s", w, body)
		}
	}
}
