package web_test

// A Danish compliance officer's week through the UI (the dkwalk walk):
// Københavns Kommune's Digital Post letters (danishLetters), the pages read
// in Danish with a compliance session.

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/web"
)

// TestIncidentFormKeepsTheDaysAsTyped: the incident report of 2026-10-01
// to 2026-11-23 shows the form with those days, as the officer typed them
// (the hint says ÅÅÅÅ-MM-DD), and its exports ask for the same period; it
// showed "2026-10-01T00:00:00+02:00" and, in "til", the day after the last
// one ("2026-11-24T00:00:00+01:00"), the report's exclusive end. The
// shown days give the same report again.
func TestIncidentFormKeepsTheDaysAsTyped(t *testing.T) {
	e := newEnv(t)
	danishLetters(t, e)
	b := e.loggedIn("mette", "compliance", "64942212", "")
	field := func(page, name string) string {
		m := regexp.MustCompile(`<input type="text" name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no field %s", name)
		}
		return m[1]
	}
	letters := regexp.MustCompile(`<caption class="visually-hidden">(\d+) breve?</caption>`)
	for _, typed := range [][2]string{{"2026-10-01", "2026-11-23"}, {"01.10.2026", "23.11.2026"}} {
		code, page := b.getDa("/incidents?from=" + typed[0] + "&to=" + typed[1] + "&channel=digitalpost")
		if code != http.StatusOK {
			t.Fatalf("%v: %d", typed, code)
		}
		if from, to := field(page, "from"), field(page, "to"); from != "2026-10-01" || to != "2026-11-23" {
			t.Errorf("the report of %s-%s shows the form with %q-%q, want 2026-10-01-2026-11-23", typed[0], typed[1], from, to)
		}
		if !strings.Contains(page, `href="/incidents/export?channel=digitalpost&format=csv&from=2026-10-01&to=2026-11-23"`) {
			t.Errorf("the report's CSV export does not ask for 2026-10-01-2026-11-23:\n%s", regexp.MustCompile(`id="export-csv" href="[^"]*"`).FindString(page))
		}
		again, n := letters.FindStringSubmatch(page), ""
		if again != nil {
			n = again[1]
		}
		_, page2 := b.getDa("/incidents?" + url.Values{"from": {field(page, "from")}, "to": {field(page, "to")}, "channel": {"digitalpost"}}.Encode())
		if m := letters.FindStringSubmatch(page2); n != "3" || m == nil || m[1] != n {
			t.Errorf("the report again with the shown days: %v, want the same %s letters (3)", m, n)
		}
	}
}

// TestChannelNamedOnDanishPages: the overview's charts (their legend and
// each point's title) and the incident report's letters name the channel
// as every other page does, "Digital Post", not by its code "digitalpost".
func TestChannelNamedOnDanishPages(t *testing.T) {
	e := newEnv(t)
	danishLetters(t, e)
	b := e.loggedIn("mette", "compliance", "64942212", "")
	for _, tc := range []struct{ page, want string }{
		{"/", `· Digital Post: `},
		{"/incidents?from=2026-10-01&to=2026-11-23", `">Digital Post 0b6d3c5e-1f2a-4b3c-8d4e-000000000002</a>`},
	} {
		code, page := b.getDa(tc.page)
		main := page[strings.Index(page, "<main"):]
		if code != http.StatusOK || !strings.Contains(main, tc.want) {
			t.Errorf("%s: %d, does not say %q", tc.page, code, tc.want)
		}
		if m := regexp.MustCompile(`[^/=-]\bdigitalpost\b[^=&"]`).FindString(main); m != "" {
			t.Errorf("%s names the channel by its code: %q", tc.page, m)
		}
	}
}

// TestAlertRuleNamedInDanish: after Digital Post goes silent, the
// overview, /alerts and the alert's own page name the rule in Danish, with
// its name in health.yaml (the rules page's and the mails'), and the
// overview names the channel "Digital Post": they said "channel_silent ·
// digitalpost" and "Alarm: channel_silent".
func TestAlertRuleNamedInDanish(t *testing.T) {
	var e *env
	e = newEnvWith(t, web.WithAlerts(web.StoreAlerts(lazyAlerts{&e})))
	danishLetters(t, e)
	fired, err := e.st.ApplyAlerts(context.Background(), store.AlertChanges{Now: now, Fire: []store.Alert{{Rule: "channel_silent",
		Labels: store.Labels{"channel": "digitalpost"}, Severity: "critical", Affected: 2,
		Summary:  "digitalpost: no status change for 26h0m0s while 2 letters are overdue",
		Why:      []store.AlertReason{{Key: "mail.alert.why.no_change", Durations: map[string]int64{"Since": 26 * 3600}, Args: map[string]string{"Count": "2"}}},
		Selector: store.IncidentFilter{Channel: "digitalpost", States: []model.State{model.StateRegistered, model.StateAccepted}, From: now.AddDate(0, 0, -60), To: now}}}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("mette", "compliance", "64942212", "")
	for _, tc := range []struct{ page, want string }{
		{"/", fmt.Sprintf(`<a href="/alerts/%d"><strong>Kanalen er tavs (channel_silent)</strong></a> · Digital Post · `, fired[0].ID)},
		{"/alerts", fmt.Sprintf(`<a href="/alerts/%d">Kanalen er tavs (channel_silent)</a>`, fired[0].ID)},
		{fmt.Sprintf("/alerts/%d", fired[0].ID), `<h1>Alarm: Kanalen er tavs (channel_silent)</h1>`},
	} {
		code, page := b.getDa(tc.page)
		if code != http.StatusOK || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d, does not say %q:\n%s", tc.page, code, tc.want, regexp.MustCompile(`[^\n]*channel_silent[^\n]*`).FindString(page))
		}
	}
	// The operations page's alerts, as the others.
	ops := e.loggedIn("ops", "operations", "", "")
	want := fmt.Sprintf(`<a href="/alerts/%d"><strong>Kanalen er tavs (channel_silent)</strong></a>`, fired[0].ID)
	if code, page := ops.getDa("/ops"); code != http.StatusOK || !strings.Contains(page, want) {
		t.Errorf("/ops: %d, does not say %q:\n%s", code, want, regexp.MustCompile(`[^\n]*channel_silent[^\n]*`).FindString(page))
	}
}

// TestDigitalPostDeploymentSaysNoAltinn: Københavns Kommune's postvakt
// polls Digital Post only and orders no reminders through Altinn
// Notifications; its officer's pages do not name Altinn: the menu had
// "Afviste Altinn-underretninger" on every page (a list Altinn alone
// fills). With the orders the menu has it, as before.
func TestDigitalPostDeploymentSaysNoAltinn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		orders bool
	}{{"without Altinn Notifications", false}, {"with Altinn Notifications", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, web.WithChannels([]string{"digitalpost"}), web.WithNotificationOrders(tc.orders))
			got := danishLetters(t, e)
			b := e.loggedIn("mette", "compliance", "64942212", "")
			for _, p := range []string{"/", "/unopened", "/list?list=problems", "/followups", "/manual", "/search",
				"/incidents?from=2026-10-01&to=2026-11-23", "/shipments/" + got[1].ID} {
				code, page := b.getDa(p)
				if code != http.StatusOK {
					t.Fatalf("%s: %d", p, code)
				}
				if has := strings.Contains(page, `href="/refused"`); has != tc.orders {
					t.Errorf("%s links to /refused: %v, want %v", p, has, tc.orders)
				}
				if m := regexp.MustCompile(`[^\n]*Altinn[^\n]*`).FindString(page); !tc.orders && m != "" {
					t.Errorf("%s names Altinn: %s", p, strings.TrimSpace(m))
				}
			}
			if code, _ := b.getDa("/refused"); code != http.StatusOK {
				t.Errorf("/refused: %d, want it where it was", code)
			}
		})
	}
}

// TestDanishEvidenceNamesTheEventID: the evidence of a Danish letter names
// the log entry's id it keeps the entry by, even when the entry's payload
// does not hold it, and says that none was kept for a row of no id; it
// said "(hændelses-id ?)". The page names the last event with the log's
// Danish name, as the statement does ("Afvist").
func TestDanishEvidenceNamesTheEventID(t *testing.T) {
	e := newEnv(t)
	got := danishLetters(t, e)
	e.st.DB().MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, payload)
		VALUES ($1, 'channel_event', 'digitalpost', $2, 'MEMO_SEND_RECEIVED', '{"eventTag":"MEMO_SEND_RECEIVED"}')`, got[1].ID, now.Add(-20*24*time.Hour))
	b := e.loggedIn("mette", "compliance", "64942212", "")
	for _, tc := range []struct{ id, page, json string }{
		{got[0].ID, `Seneste hændelse er MEMO_SEND_VALIDATION_FAILED ("Afvist") 2026-11-04 13:00:00 +01:00 (hændelses-id 31111111-0000-4000-8000-000000000001)`,
			`"last_event_id":"31111111-0000-4000-8000-000000000001"`},
		{got[1].ID, "hændelses-id ikke gemt", `(hændelses-id ikke gemt)`},
	} {
		code, page := b.getDa("/shipments/" + tc.id)
		page = html.UnescapeString(page)
		if code != http.StatusOK || !strings.Contains(page, tc.page) || strings.Contains(page, "hændelses-id ?") {
			t.Errorf("%s: %d, does not say %q:\n%s", tc.id, code, tc.page, regexp.MustCompile(`[^\n]*hændelses-id[^\n]*`).FindString(page))
		}
		if _, body := b.getDa("/shipments/" + tc.id + "/evidence.json"); !strings.Contains(body, tc.json) || strings.Contains(body, "?)") {
			t.Errorf("%s's evidence.json does not say %q:\n%s", tc.id, tc.json, regexp.MustCompile(`"digital_post":\{[^}]*\}`).FindString(body))
		}
	}
}

// TestDigitalPostDeploymentSaysCVR: on a deployment of Digital Post alone
// every letter is Danish, so the officer's forms name a CVR or CPR number,
// not "CVR-/organisationsnummer" or "CPR-/personnummer" (Norway's numbers
// too); a deployment with Norwegian channels, or one that names none
// (every channel), says both countries' numbers, as before, and a
// Norwegian one says the Norwegian numbers in bokmål.
func TestDigitalPostDeploymentSaysCVR(t *testing.T) {
	pages := []string{"/search", "/audit", "/incidents"}
	for _, tc := range []struct {
		name     string
		channels []string
		accept   string
		want     []string
		not      *regexp.Regexp
	}{
		{"Digital Post alone", []string{"digitalpost"}, "da-DK,da;q=0.9",
			[]string{"CVR-nummer eller CPR-nummer", "(CPR-nummer eller CVR-nummer)", `placeholder="CVR-nummer"`},
			regexp.MustCompile(`(?i)organisationsnummer|personnummer`)},
		{"Digital Post alone, in English", []string{"digitalpost"}, "en",
			[]string{"CVR number or CPR number", "(CPR number or CVR number)", `placeholder="CVR number"`},
			regexp.MustCompile(`(?i)organisation number|national id`)},
		{"every channel", nil, "da-DK,da;q=0.9",
			[]string{"CVR-/organisationsnummer eller CPR-/personnummer", "(CPR-/personnummer eller CVR-/organisationsnummer)"},
			regexp.MustCompile(`CVR-nummer eller`)},
		{"Digital Post and SvarUt", []string{"digitalpost", "svarut"}, "da-DK,da;q=0.9",
			[]string{"CVR-/organisationsnummer eller CPR-/personnummer"}, regexp.MustCompile(`CVR-nummer eller`)},
		{"Norway", []string{"svarut", "altinn"}, "nb-NO,nb;q=0.9",
			[]string{"Organisasjonsnummer eller fødselsnummer", "(fødselsnummer eller organisasjonsnummer)"}, regexp.MustCompile(`CVR|CPR`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, web.WithChannels(tc.channels))
			b := e.loggedIn("mette", "compliance", "64942212", "")
			var all string
			for _, p := range pages {
				code, page := b.doIn(tc.accept, "GET", p, nil)
				if code != http.StatusOK {
					t.Fatalf("%s: %d", p, code)
				}
				main := page[strings.Index(page, "<main"):]
				all += main
				if m := tc.not.FindString(main); m != "" {
					t.Errorf("%s says %q", p, m)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("%v do not say %q", pages, w)
				}
			}
		})
	}
}

// TestDanishTimelineAndAuditSayNoCodes: the timeline of a letter put into
// manual handling for Digital Post's physical post says its reason and
// detail in Danish (the reason's code beside it, the English sentence the
// log keeps as recorded, unchanged in the database), and the audit log
// says what each entry's action was in Danish, beside its code, and what
// its object is ("forsendelse …"); they showed "physical_post", the
// English sentence alone, "view_shipment" and "shipment …".
func TestDanishTimelineAndAuditSayNoCodes(t *testing.T) {
	e := newEnv(t)
	got := danishLetters(t, e)
	const detail = "the policy's print is Digital Post's physical post: the sending unit sends the letter again through Digital Post for physical delivery (fysisk post)"
	db := e.st.DB()
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, message)
		VALUES ($1, 'print_manual', 'register', $2, 'physical_post', $3)`, got[2].ID, now, detail)
	b := e.loggedIn("mette", "compliance", "64942212", "")
	code, page := b.getDa("/shipments/" + got[2].ID)
	if code != http.StatusOK {
		t.Fatalf("the letter's page: %d", code)
	}
	var row string
	for _, r := range strings.Split(page, "<tr>") {
		if strings.Contains(r, "<td>udskrift til manuel behandling</td>") {
			row = r
		}
	}
	for _, want := range []string{"<td>Digital Posts egen fysiske post: den afsendende enhed bestiller den (physical_post)</td>",
		"<td>regelsættets udskrift er Digital Posts fysiske post: den afsendende enhed sender brevet igen gennem Digital Post til fysisk levering (fysisk post)<div class=\"muted recorded\">"} {
		if !strings.Contains(html.UnescapeString(row), want) {
			t.Errorf("the timeline's manual-handling row does not say %q:\n%s", want, row)
		}
	}
	var kept string
	if err := db.Get(&kept, `SELECT message FROM shipment_events WHERE shipment_id = $1 AND kind = 'print_manual'`, got[2].ID); err != nil || kept != detail {
		t.Errorf("the evidence's sentence: %q (%v), want it as recorded", kept, err)
	}
	// The incident report says where its views go by the log's name
	// (it said "revisionsloggen").
	if _, page := b.getDa("/incidents?from=2026-10-01&to=2026-11-23"); !strings.Contains(page, "Hver visning og eksport står i adgangsloggen.") {
		t.Error("/incidents does not name the audit log as its page does (adgangsloggen)")
	}
	code, page = b.getDa("/audit")
	if code != http.StatusOK {
		t.Fatalf("/audit: %d", code)
	}
	for _, want := range []string{"<td>så et brevs bevisrapport (view_shipment)</td><td>forsendelse " + got[2].ID + "</td>",
		"<td>så en hændelsesrapport (view_incident)</td><td>hændelsesrapport from=", "<td>loggede ind (login)</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("/audit does not say %q", want)
		}
	}
	if m := regexp.MustCompile(`<td>[a-z]+_[a-z_]+</td>`).FindString(page); m != "" {
		t.Errorf("/audit shows an action by its code alone: %s", m)
	}
}
