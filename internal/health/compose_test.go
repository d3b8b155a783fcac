package health_test

import (
	"encoding/json"
	"fmt"
	"postvakt/internal/logtest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/i18n"
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
		logtest.Says(t, tc.name, body, tc.want, tc.not)
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
		logtest.Says(t, tc.name, body, tc.want, tc.not)
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

// TestDanishAlertMailSaysWhyInDanish: the Danish part of a health alert
// e-mail (Copenhagen, December 2019: a sending unit's letters never reach
// Digital Post) says in Danish why the alert fires: the rule's reasons are
// kept with the alert and said in each language of the mail (the English
// summary stays the webhook's).
func TestDanishAlertMailSaysWhyInDanish(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "testdata/copenhagen-dec.yaml", 1, nil)
	want := "unit_delivery_drop channel=digitalpost sender=64942212 unit=\"BUF – sikker mail (SEPO)\""
	if fired := w.watch(w.now.Add(10*time.Hour), 30*time.Minute, only(want)); fired.IsZero() {
		t.Fatal("unit_delivery_drop did not fire")
	}
	ms := w.mails()
	if len(ms) == 0 {
		t.Fatal("no alert e-mail")
	}
	danish, _, ok := strings.Cut(ms[0].Text, "-- English --")
	if !ok || !strings.Contains(danish, "postvakt-sundhedsalarm") {
		t.Fatalf("no Danish part:\n%s", ms[0].Text)
	}
	for _, english := range []string{"letters of", " reached ", "baseline", "the channel's", "not delivered after"} {
		if strings.Contains(danish, english) {
			t.Errorf("the Danish part of the alert e-mail says %q, in English:\n%s", english, danish)
		}
	}
}

// TestAlertMailLetterColumnsMatchHeading: the heading of an alert e-mail's
// letters names the fields each line has ("Brev (reference; sendt;
// tilstand):", the singular of its one letter); the sending unit is left
// out of the lines on purpose.
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
		if !strings.HasPrefix(strings.TrimSpace(l), "Brev (") || i+1 >= len(lines) {
			continue
		}
		head := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(l), "Brev ("), "):")
		row := strings.TrimSpace(lines[i+1])
		if h, r := len(strings.Split(head, ";")), len(strings.Split(row, ";")); h != r {
			t.Errorf("heading %q names %d fields, the letter %q has %d", l, h, row, r)
		}
		return
	}
	t.Fatalf("no Danish letters heading:\n%s", body)
}

// TestWhyInEachLanguage: an alert's reasons are said in the mail's
// language, durations for people; never_opening_org names the access a
// Danish organisation lacks (access to its Digital Post, given by its
// rights administrator in Rettighedsportalen), not Altinn's role nor an
// administrator in MitID Erhverv, in English as in Danish, and so does its
// English summary (the webhook's); an alert fired before its reasons were
// kept shows its summary.
func TestWhyInEachLanguage(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	silent := store.Alert{Rule: "channel_silent", Labels: store.Labels{"channel": "digitalpost"}, Summary: "digitalpost: …",
		Why: []store.AlertReason{{Key: "mail.alert.why.no_change", Args: map[string]string{"Count": "12"}, Durations: map[string]int64{"Since": 3 * 3600}}}}
	for _, tc := range []struct {
		lang  string
		alert store.Alert
		want  string
	}{
		{"da", silent, "ingen statusændring i 3 timer, mens 12 breve er forsinkede"},
		{"nb", silent, "ingen statusendring på 3 timer mens 12 brev er forsinket"},
		{"en", silent, "no status change for 3 hours while 12 letters are overdue"},
		{"da", store.Alert{Summary: "an old alert's summary"}, "an old alert's summary"},
	} {
		if got := health.Why(i18n.For(tc.lang, nil), tc.alert); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
	for _, tc := range []struct {
		org, lang, want, not string
	}{
		{"14691804", "da", "Rettighedsportalen", "Altinn"},
		{"14691804", "en", "Rettighedsportalen", "MitID"},
		{"14691804", "nb", "Rettighedsportalen", "Altinn"},
		{"974760673", "nb", "Altinn-rollen", "MitID"},
		{"974760673", "en", "Altinn access role", "MitID"},
	} {
		cs := health.NeverOpening(policy.NeverOpeningRule{Rule: policy.Rule{Enabled: true, Severity: "info"}, Letters: 3, Over: 90 * 24 * time.Hour},
			health.Facts{Now: now, Orgs: []store.OrgFacts{{Org: tc.org, Unopened: 4, From: now.Add(-30 * 24 * time.Hour)}}})
		if len(cs) != 1 {
			t.Fatalf("never_opening_org for %s: %d conditions", tc.org, len(cs))
		}
		got := health.Why(i18n.For(tc.lang, nil), store.Alert{Summary: cs[0].Summary, Why: cs[0].Why})
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.not) {
			t.Errorf("never_opening_org for %s in %s: %q, want %s, not %s", tc.org, tc.lang, got, tc.want, tc.not)
		}
		if tc.lang == "en" && (!strings.Contains(cs[0].Summary, tc.want) || strings.Contains(cs[0].Summary, tc.not)) {
			t.Errorf("never_opening_org for %s: summary %q, want %s, not %s", tc.org, cs[0].Summary, tc.want, tc.not)
		}
	}
}

// TestUnitDropWhySaysWhatAffectedCounts: unit_delivery_drop's why said
// "0 of the last 3 letters" while the alert listed 6, then 13 affected
// letters, which read as a contradiction: the verdict is about the unit's
// last three due letters, the affected count about every letter of the
// lookback that never reached the channel. The why says both, in each
// language of the mail, and so does the English summary.
func TestUnitDropWhySaysWhatAffectedCounts(t *testing.T) {
	now := time.Date(2026, 12, 2, 4, 3, 0, 0, time.UTC)
	u := store.UnitFacts{Channel: "svarut", SenderOrg: "964338531", Unit: "Bymiljøetaten", Pending: 13}
	u.LastN, u.LastReached, u.Baseline, u.BaseReached, u.ChannelSince, u.ChannelReachedSince = 3, 0, 50, 50, 23, 20
	cs := health.UnitDrop(policy.DefaultHealth().UnitDrop, health.Facts{Now: now, Lookback: 14 * 24 * time.Hour,
		Due: map[string]store.ChannelDue{"svarut": {Channel: "svarut", After: 3 * time.Hour}}, Units: []store.UnitFacts{u}})
	if len(cs) != 1 {
		t.Fatalf("%d conditions, want unit_delivery_drop for Bymiljøetaten", len(cs))
	}
	a := store.Alert{Summary: cs[0].Summary, Why: cs[0].Why, Affected: 13}
	for _, tc := range []struct{ lang, want string }{
		{"en", "0 of the last 3 letters of Bymiljøetaten due at KS SvarUt reached it (its baseline 100%; the channel's other units 100% of their letters of the same time); " +
			"affected: every letter of Bymiljøetaten sent in the last 14 days and at least 3 hours ago (the channel's delivery time) that never reached KS SvarUt and has no follow-up decision"},
		{"nb", "0 av de siste 3 brevene fra Bymiljøetaten som skulle vært i KS SvarUt, kom fram (normalt 100%; kanalens andre enheters brev fra samme tid 100%); " +
			"berørt: alle brev fra Bymiljøetaten sendt de siste 14 dager og for minst 3 timer siden (kanalens leveringstid) som aldri kom fram til KS SvarUt og ikke har noen oppfølgingsbeslutning"},
		{"da", "0 af de seneste 3 breve fra Bymiljøetaten, der skulle være nået frem til KS SvarUt, nåede frem (normalt 100%; kanalens øvrige enheders breve fra samme tid 100%); " +
			"berørt: alle breve fra Bymiljøetaten sendt inden for de seneste 14 dage og for mindst 3 timer siden (kanalens leveringstid), som aldrig nåede frem til KS SvarUt og ikke har nogen opfølgningsbeslutning"},
	} {
		if got := health.Why(i18n.For(tc.lang, nil), a); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.lang, got, tc.want)
		}
	}
	// The summary is the English why (summaryOf): one text, not two.
	if want := health.Why(i18n.English(), a); a.Summary != want {
		t.Errorf("summary %q, want the English why %q", a.Summary, want)
	}
}

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

// TestAlertMailOneLetterHeading: the letters of an alert about one letter
// are headed "Letter (…):", "Brev (…):" in Danish, not in the plural; an
// alert about more letters than its mail lists keeps the plural.
func TestAlertMailOneLetterHeading(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	rows := []store.IncidentRow{{Letter: store.Letter{Channel: "digitalpost", ChannelID: "0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c41",
		SentAt: now.Add(-48 * time.Hour), State: model.StateAccepted}}}
	for _, tc := range []struct {
		affected  int
		want, not []string
	}{
		{1, []string{"\n  Brev (reference; sendt; tilstand):\n", "\n  Letter (reference; sent; state):\n"}, []string{"Breve (", "Letters ("}},
		{4, []string{"\n  Breve (reference; sendt; tilstand):\n", "\n  Letters (reference; sent; state):\n"}, nil},
	} {
		ns := []health.AlertNotice{{Transition: store.TransitionFiring, Alert: store.Alert{ID: 7, Rule: "stuck",
			Labels: store.Labels{"sender": "64942212", "channel": "digitalpost"}, Severity: "critical", Affected: tc.affected,
			Summary: "…", StartedAt: now.Add(-time.Hour)}, Letters: rows}}
		body := health.Body("stuck", ns, "", now)
		logtest.Says(t, fmt.Sprintf("%d affected", tc.affected), body, tc.want, tc.not)
	}
}
