package health_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// An alert e-mail is in the language of its sending organisation's
// country (a channel's, for an alert about a channel), then English; the
// subject is English in every case.
func TestAlertMailLanguages(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	notice := func(labels store.Labels) []health.AlertNotice {
		return []health.AlertNotice{{Transition: store.TransitionFiring, Seq: 2, Alert: store.Alert{ID: 7, Rule: "unit_delivery_drop",
			Labels: labels, Severity: "critical", Affected: 3, Summary: "3 letters", StartedAt: now.Add(-time.Hour)},
			Letters: []store.IncidentRow{{Letter: store.Letter{Channel: "digitalpost", ChannelID: "0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c41",
				SenderUnit: "BUF", SentAt: now.Add(-48 * time.Hour), State: model.StateAvailable}}}}}
	}
	for _, tc := range []struct {
		name   string
		labels store.Labels
		langs  string
		want   []string
	}{
		{"Danish sender", store.Labels{"sender": "64942212", "unit": "BUF", "channel": "digitalpost"}, "da,en",
			[]string{"postvakt-sundhedsalarm: unit_delivery_drop (kritisk)", "AKTIV channel=digitalpost", "3 breve berørt (stadig aktiv: meddelelse 2)",
				"Digital Post-brev 0b6c1f1e", "; tilgængelig", "... og 2 mere", "Alle, med dokumentation: https://p.example/alerts/7",
				"-- English --", "FIRING channel=digitalpost", "3 letters affected (still firing: notice 2)", "; available"}},
		{"Norwegian channel", store.Labels{"channel": "svarut"}, "nb,en",
			[]string{"postvakt helsevarsel: unit_delivery_drop (kritisk)", "AKTIVT channel=svarut", "-- English --", "postvakt health alert"}},
		{"no country", store.Labels{"channel": "fax"}, "en", []string{"postvakt health alert: unit_delivery_drop (critical)"}},
	} {
		ns := notice(tc.labels)
		if got := strings.Join(health.Languages(ns), ","); got != tc.langs {
			t.Errorf("%s: languages %s, want %s", tc.name, got, tc.langs)
		}
		body := health.Body("unit_delivery_drop", ns, "https://p.example", now)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the body lacks %q:\n%s", tc.name, w, body)
			}
		}
		// A listed letter does not name its sending unit (only an
		// alert about the unit does, in its labels).
		if _, ok := tc.labels["unit"]; !ok && strings.Contains(body, "BUF") {
			t.Errorf("%s: a listed letter names its sending unit:\n%s", tc.name, body)
		}
		if strings.Contains(body, "⟦") || (tc.langs == "en" && strings.Contains(body, "-- ")) {
			t.Errorf("%s:\n%s", tc.name, body)
		}
		if s := health.Subject("unit_delivery_drop", ns); s != "[postvakt] FIRING unit_delivery_drop: 1 alert, 3 letters" {
			t.Errorf("%s: subject %q", tc.name, s)
		}
	}
}

// TestAlertMailFooterFitsTheAlert: the footer of an alert e-mail says the
// letters' titles and recipients are never shown, and where the letters
// are listed, only when an alert of the mail is about letters; a mail
// whose alerts are about none (certificate_expiring, firing or resolved)
// says instead, in each of its languages, that the alert is about no
// letters. A mail with both kinds keeps the letters' footer.
func TestAlertMailFooterFitsTheAlert(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	cert := health.AlertNotice{Transition: store.TransitionFiring, Seq: 1, Alert: store.Alert{ID: 9, Rule: "certificate_expiring",
		Labels: store.Labels{"channel": "digitalpost"}, Severity: "warning", StartedAt: now.Add(-time.Hour),
		Selector: store.IncidentFilter{Channel: "digitalpost", NoLetters: true}}}
	stuck := health.AlertNotice{Transition: store.TransitionFiring, Seq: 1, Alert: store.Alert{ID: 7, Rule: "stuck",
		Labels: store.Labels{"channel": "digitalpost"}, Severity: "critical", Affected: 3, StartedAt: now.Add(-time.Hour)}}
	resolvedCert := cert
	resolvedCert.Transition = store.TransitionResolved
	lettersFooter := []string{"titles and recipients are never shown", "Brevenes titler og modtagere vises aldrig"}
	noLettersFooter := []string{"This alert is about no letters", "Denne alarm vedrører ingen breve"}
	for _, tc := range []struct {
		name      string
		ns        []health.AlertNotice
		want, not []string
	}{
		{"certificate firing", []health.AlertNotice{cert}, noLettersFooter, lettersFooter},
		{"certificate resolved", []health.AlertNotice{resolvedCert}, noLettersFooter, lettersFooter},
		{"letters", []health.AlertNotice{stuck}, lettersFooter, noLettersFooter},
		{"both", []health.AlertNotice{cert, stuck}, lettersFooter, noLettersFooter},
	} {
		body := health.Body(tc.ns[0].Alert.Rule, tc.ns, "https://p.example", now)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the footer lacks %q:\n%s", tc.name, w, body)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: the footer says %q:\n%s", tc.name, n, body)
			}
		}
	}
	// Norwegian, for a Norwegian channel's certificate.
	nb := cert
	nb.Alert.Labels = store.Labels{"channel": "svarut"}
	if body := health.Body("certificate_expiring", []health.AlertNotice{nb}, "", now); !strings.Contains(body, "Dette varselet gjelder ingen brev") ||
		strings.Contains(body, "titler og mottakere") {
		t.Errorf("the Norwegian certificate alert's footer:\n%s", body)
	}
}

// TestKeptAlertMail: the e-mail of an alert kept firing without its
// condition (a repeat, or a first notice once its inhibition ended) says
// that its count and reasons are as of when the condition last held, in
// each of its languages, and lists no letters (those its selector finds
// now are not the count's: its page lists them), but links its page; a
// firing alert whose condition held at the last evaluation says nothing
// of the kind (before: "6 letters affected" under "as of" the mail's time,
// beside a list of the letters of now).
func TestKeptAlertMail(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	held := now.Add(-10 * time.Minute)
	var row store.IncidentRow
	row.Channel, row.ChannelID, row.SentAt, row.State = "svarut", "d6b23522-ddf3-462a-8140-16e59e1f476d", now.Add(-48*time.Hour), model.StateAccepted
	rows := []store.IncidentRow{row}
	alert := store.Alert{ID: 7, Rule: "stuck", Labels: store.Labels{"channel": "svarut", "sender": "964338531", "unit": "NAV"},
		Severity: "critical", Status: store.AlertFiring, Affected: 6, StartedAt: now.Add(-time.Hour), UpdatedAt: now, HeldAt: &now}
	kept := alert
	kept.HeldAt = &held
	const keptEN, keptNB = "kept firing: its condition has not held since 2026-11-16 09:50 CET", "holdes aktivt: betingelsen har ikke slått til siden 2026-11-16 09:50 CET"
	for _, tc := range []struct {
		name      string
		a         store.Alert
		want, not []string
	}{
		{"kept", kept, []string{keptEN, keptNB, "https://p.example/alerts/7", "6 letters affected"}, []string{"Letters (reference", "Brev (referanse"}},
		{"held", alert, []string{"Letters (reference", "6 letters affected", "... and 5 more"}, []string{"kept firing", "holdes aktivt"}},
	} {
		ns := []health.AlertNotice{{Alert: tc.a, Transition: store.TransitionFiring, Seq: 2, Letters: rows}}
		body := health.Body("stuck", ns, "https://p.example", now)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the mail lacks %q:\n%s", tc.name, w, body)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: the mail says %q:\n%s", tc.name, n, body)
			}
		}
	}
}

// TestUnitAlertLeavesByID: an alert about a sending unit names the unit
// by its id (unit_id, sender_units.id) wherever it leaves postvakt — its
// e-mail in each language (labels, reasons, the summary of an alert fired
// before its reasons were kept), its webhook message (labels, common
// labels, summary, fingerprint) and the metric's counts — never by its
// name, which says what its letters are about; its stored labels keep the
// name (the fingerprint, inhibition and the pages read it). A unit whose
// id is not known is left out.
func TestUnitAlertLeavesByID(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	const name = "Bymiljøetaten"
	u := store.UnitFacts{Channel: "svarut", SenderOrg: "964338531", Unit: name, Pending: 13}
	u.LastN, u.LastReached, u.Baseline, u.BaseReached, u.ChannelSince, u.ChannelReachedSince = 3, 0, 50, 50, 23, 20
	cs := health.UnitDrop(policy.DefaultHealth().UnitDrop, health.Facts{Now: now, Lookback: 14 * 24 * time.Hour,
		Due: map[string]store.ChannelDue{"svarut": {Channel: "svarut", After: 3 * time.Hour}}, Units: []store.UnitFacts{u}})
	if len(cs) != 1 {
		t.Fatalf("%d conditions, want unit_delivery_drop for %s", len(cs), name)
	}
	c := cs[0]
	alert := store.Alert{ID: 7, Rule: c.Rule, Labels: c.Labels, Fingerprint: store.Fingerprint(c.Rule, c.Labels), Severity: c.Severity,
		Status: store.AlertFiring, Affected: 13, Summary: c.Summary, Why: c.Why, StartedAt: now.Add(-time.Hour), UpdatedAt: now, HeldAt: &now,
		UnitID: 17}
	old := alert // fired before its reasons were kept: the mail shows its summary
	old.Why = nil
	unknown := alert // a unit no longer known by its name
	unknown.UnitID = 0
	for _, tc := range []struct {
		name  string
		alert store.Alert
		want  []string // in the mail
		label string   // the webhook's unit_id
	}{
		{"reasons", alert, []string{"AKTIVT channel=svarut sender=964338531 unit_id=17", "fra enhet 17 som", "FIRING channel=svarut sender=964338531 unit_id=17",
			"letters of unit 17 due at"}, "17"},
		{"summary", old, []string{"AKTIVT channel=svarut sender=964338531 unit_id=17", "letters of unit 17 due at KS SvarUt"}, "17"},
		{"unknown unit", unknown, []string{"AKTIVT channel=svarut sender=964338531\n", "fra en enhet som"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := []health.AlertNotice{{Alert: tc.alert, Transition: store.TransitionFiring, Seq: 1}}
			body := health.Body(c.Rule, ns, "https://p.example", now)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the mail lacks %q:\n%s", w, body)
				}
			}
			b, err := health.WebhookMessage(c.Rule, ns, "https://p.example", now, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{body, string(b)} {
				if strings.Contains(text, name) || strings.Contains(text, `"unit"`) || strings.Contains(text, " unit=") {
					t.Errorf("names the unit:\n%s", text)
				}
			}
			var m struct {
				CommonLabels map[string]string `json:"commonLabels"`
				Alerts       []struct {
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
					Fingerprint string            `json:"fingerprint"`
				} `json:"alerts"`
			}
			if err := json.Unmarshal(b, &m); err != nil || len(m.Alerts) != 1 {
				t.Fatalf("webhook message %s: %v", b, err)
			}
			if got := m.Alerts[0].Labels["unit_id"]; got != tc.label || m.CommonLabels["unit_id"] != tc.label {
				t.Errorf("webhook unit_id %q, common %q, want %q", got, m.CommonLabels["unit_id"], tc.label)
			}
			if m.Alerts[0].Fingerprint == tc.alert.Fingerprint {
				t.Errorf("the webhook's fingerprint is the stored one, a hash of the unit's name")
			}
			for k := range health.Counts([]store.Alert{tc.alert}) {
				if k[2] != tc.label {
					t.Errorf("metric counts %v, want unit_id %q", k, tc.label)
				}
			}
		})
	}
	if alert.Labels["unit"] != name {
		t.Errorf("the stored labels changed: %v", alert.Labels)
	}
}
