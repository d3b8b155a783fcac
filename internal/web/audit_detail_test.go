package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// TestAuditDetailsInPageLanguage: the audit page says the details postvakt
// writes as sentences or codes (an import's counts, a print batch's
// letters, a decision, a retention purge's counts) in the page's language,
// Norwegian and Danish; a detail of no known form (an export's format, an
// address) and an English page show it as recorded, as the export does.
// The letters import and the search below write their own details, so a
// writer that changes its sentence fails here too.
func TestAuditDetailsInPageLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for _, a := range []store.AuditEntry{
		{Actor: "user:kari", Action: store.ActPrintRelease, Object: "print_batch 3", Detail: "12 shipments"},
		{Actor: "cli:root", Action: store.ActPrintReject, Object: "print_batch 4", Detail: "1 shipments, by kari"},
		{Actor: "user:kari", Action: store.ActPrintReleaseRefused, Object: "print_batch 5", Detail: "the batch changed since it was shown"},
		{Actor: "user:kari", Action: store.ActFollowUpIncident, Object: "incident rule=never_opening_org", Detail: `3 letters, decision "resent"`},
		{Actor: "user:kari", Action: store.ActManualResolve, Object: "shipment 1", Detail: "printed_by_hand"},
		{Actor: "user:kari", Action: store.ActUnitsImport, Object: "units", Detail: "11 units, 2 new"},
		{Actor: "retention", Action: store.ActRetentionPurge, Object: "before 2021-12-01T00:00:00Z", Detail: "1200 events, 3 audit entries"},
		{Actor: "user:kari", Action: store.ActExport, Object: "unopened", Detail: "xlsx"},
		{Actor: "retention", Action: store.ActRetentionPurgeLetters, Object: "letters",
			Detail: "2 letters, 9 events, 1 persons, 0 follow-up notes, 1 print requests, 0 manual details, 3 notifications; 1 letters kept: print order not placed yet"},
		{Actor: "retention", Action: store.ActRetentionPurgeLetters, Object: "letters",
			Detail: "5 letters, 7 events, 2 persons, 1 follow-up notes, 4 follow-ups closed, 0 print requests, 1 manual details, 2 notifications; letters kept: 3 print order not placed yet, 6 changed since listed, 8 being polled"},
		{Actor: "retention", Action: store.ActRetentionPurgePersons, Object: "persons", Detail: "4 persons no letter points to"},
		{Actor: "retention", Action: store.ActRetentionPurgeData, Object: "data",
			Detail: "2 poll errors and register answers, 3 reminder addresses, 0 resolved alerts, 5 notifications' recipients, 1 disabled users' e-mail addresses"},
		{Actor: "user:admin", Action: store.ActUserPassword, Object: "user:ola", Detail: "sessions ended"},
		{Actor: "user:kari", Action: store.ActLettersImport, Object: "letters", Detail: "3 rows; whether they were stored is unknown"},
	} {
		a.SubjectOrg = store.SubjectAll
		if err := e.st.Audit(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	b := e.loggedIn("kari", "compliance", "", "")
	_, page := b.get("/import")
	if code, page := b.uploadLetters("nb", csrf(page), []byte(importHeader+importRow(1, "NAV")+importRow(2, "NAV"))); code != http.StatusOK && code != http.StatusSeeOther {
		t.Fatalf("import: %d %.300s", code, page)
	}
	_, page = b.get("/import")
	if code, page := b.uploadLetters("nb", csrf(page), []byte(importHeader+strings.Replace(importRow(3, "NAV"), "964338531", "964338532", 1))); code != http.StatusBadRequest {
		t.Fatalf("import of a bad file: %d %.300s", code, page)
	}
	_, page = b.get("/search")
	if code, _, body := b.post("/search", url.Values{"csrf": {csrf(page)}, "recipient": {"999999999"}}); code != http.StatusSeeOther && code != http.StatusOK {
		t.Fatalf("search: %d %.300s", code, body)
	}
	for _, tc := range []struct {
		lang      string
		want, not []string
	}{
		{"nb", []string{"<td>12 brev</td>", "<td>1 brev, av kari</td>", "<td>bunken var endret siden den ble vist</td>",
			"<td>3 brev, beslutning: sendt på nytt</td>", "<td>skrevet ut manuelt</td>", "<td>11 enheter, nye: 2</td>",
			"<td>hendelser: " + i18n.FormatInt("nb", 1200) + ", oppføringer i tilgangsloggen: 3</td>", "<td>2 rader (nye: 2, registrert fra før: 0)</td>",
			"<td>ingen brev til den mottakeren</td>", "<td>xlsx</td>", "<td>avvist: 1 feil (rader lest: 1); ingenting importert</td>",
			"<td>brev: 2, hendelser: 9, personer: 1, oppfølgingsnotater: 0, utskriftsbestillinger: 1, detaljer om manuell behandling: 0, påminnelser: 3; beholdt fordi utskriftsordren ikke er lagt inn ennå: 1</td>",
			"<td>brev: 5, hendelser: 7, personer: 2, oppfølgingsnotater: 1, oppfølginger lukket av slettingen: 4, utskriftsbestillinger: 0, detaljer om manuell behandling: 1, påminnelser: 2; beholdt: 3 fordi utskriftsordren ikke er lagt inn ennå, 6 fordi de er endret siden de ble listet, 8 fordi de hentes fra kanalen nå</td>",
			"<td>4 personer som ingen brev viser til</td>", "<td>kallfeil og registersvar: 2, påminnelsesadresser: 3, løste varsler: 0, mottakere av utsendelser: 5, e-postadresser til deaktiverte brukere: 1</td>", "<td>innloggingene ble avsluttet</td>", "<td>3 rader; ukjent om de ble lagret</td>"},
			[]string{"shipments", "already registered", "not found"}},
		{"da", []string{"<td>12 breve</td>", "<td>1 brev, af kari</td>", "<td>3 breve, beslutning: sendt igen</td>",
			"<td>udskrevet manuelt</td>", "<td>hændelser: 1.200, poster i adgangsloggen: 3</td>", "<td>breve: 5, hændelser: 7, personer: 2, opfølgningsnoter: 1, opfølgninger lukket af sletningen: 4, udskriftsbestillinger: 0, detaljer om manuel behandling: 1, påmindelser: 2; beholdt: 3, fordi udskriftsordren ikke er afgivet endnu, 6, fordi de er ændret, siden de blev listet, 8, fordi de hentes fra kanalen nu</td>", "<td>2 rækker (nye: 2, allerede registreret: 0)</td>",
			"<td>ingen breve til den modtager</td>", "<td>kaldfejl og registersvar: 2, påmindelsesadresser: 3, løste alarmer: 0, modtagere af udsendelser: 5, e-mailadresser på deaktiverede brugere: 1</td>"},
			[]string{"shipments", "already registered", "not found"}},
		{"en", []string{"<td>12 shipments</td>", `<td>3 letters, decision "resent"</td>`, "<td>printed_by_hand</td>",
			"<td>2 rows: 2 new, 0 already registered</td>", "<td>not found</td>"}, nil},
	} {
		page := auditPageSays(t, b, tc.lang, tc.want)
		for _, n := range tc.not {
			if strings.Contains(page, n) {
				t.Errorf("%s /audit says %q", tc.lang, n)
			}
		}
	}
}

// auditPageSays reads /audit in lang as b and reports each of want it
// does not say (its main part, unescaped); it returns that part.
func auditPageSays(t *testing.T, b *browser, lang string, want []string) string {
	t.Helper()
	code, page := b.getIn(lang, "/audit")
	if code != http.StatusOK {
		t.Fatalf("%s /audit: %d", lang, code)
	}
	page = html.UnescapeString(page[strings.Index(page, "<main"):])
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s /audit does not say %q", lang, w)
		}
	}
	return page
}
