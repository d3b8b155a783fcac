package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/policy"
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
