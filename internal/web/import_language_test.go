package web_test

import (
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/store"
	"postvakt/internal/web"
)

// A refused letters file's problems are said in the reader's language,
// the importer's reason included, not only the line and column around its
// English; the same file to an English reader gets the English
// `postvakt import` prints.
func TestImportProblemsInReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("officer", "compliance", "", "")
	_, page := b.get("/import")
	tok := csrf(page)
	head := strings.TrimSuffix(importHeader, "\n")
	for _, c := range []struct {
		name, lang, file, want string
	}{
		{"bad date", "nb", importHeader + strings.Replace(importRow(1, "NAV"), "2026-11-20T10:00:00+01:00", "20.11.2026", 1),
			`linje 2: sent_at: "20.11.2026" er ikke et tidspunkt i RFC 3339-format (som 2026-11-20T10:00:00+01:00)`},
		{"orgnr check digit", "nb", importHeader + strings.Replace(importRow(1, "NAV"), "964338531", "964338532", 1),
			"linje 2: sender_org: 964338532 er ikke et gyldig norsk organisasjonsnummer (kontrollsiffer)"},
		{"unknown column", "nb", head + ",extra\n" + strings.TrimSuffix(importRow(1, "NAV"), "\n") + ",x\n",
			"linje 1: extra: ukjent kolonne (forventet channel,channel_id,"},
		{"header column twice", "nb", head + ",class\n" + strings.TrimSuffix(importRow(1, "NAV"), "\n") + ",x\n",
			"linje 1: class: kolonnen står to ganger i overskriftslinjen"},
		{"classic Mac line ends", "nb", strings.ReplaceAll(importHeader+importRow(1, "NAV"), "\n", "\r"),
			"linje 1: linjene slutter med bare vognretur (CR, klassisk Mac OS)"},
		{"bad date, Danish", "da", importHeader + strings.Replace(importRow(1, "NAV"), "+01:00", "", 1),
			`linje 2: sent_at: "2026-11-20T10:00:00" har ingen tidszone`},
		{"bad date, English", "en", importHeader + strings.Replace(importRow(1, "NAV"), "2026-11-20T10:00:00+01:00", "20.11.2026", 1),
			`line 2: sent_at: "20.11.2026" is not an RFC 3339 time (such as 2026-11-20T10:00:00+01:00)`},
	} {
		code, page := b.uploadLetters(c.lang, tok, []byte(c.file))
		if code != http.StatusBadRequest || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d, want 400 and %q:\n%.3000s", c.name, code, c.want, page)
		}
	}
	if n := e.letters(); n != 0 {
		t.Errorf("%d letters registered, want none", n)
	}
}

// The units import says a refused file's problems in the reader's
// language too: a bad organisation number, a unit named twice, an unknown
// column; nothing is stored.
func TestImportUnitsProblemsInReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("admin", "admin", "", "")
	_, page := b.get("/admin/units")
	tok := csrf(page)
	const head = "sender_org,unit,contact_email,manager_email\n"
	for _, c := range []struct {
		name, lang, file, want string
	}{
		{"orgnr check digit", "nb", head + "964338532,NAV,nav@bergen.kommune.no,\n",
			"linje 2, kolonne sender_org: 964338532 er ikke et gyldig norsk organisasjonsnummer (kontrollsiffer)"},
		{"unit twice", "da", head + "964338531,NAV,nav@bergen.kommune.no,\n964338531,NAV,,leder@bergen.kommune.no\n",
			`linje 3, kolonne unit: "NAV" i 964338531 står allerede på linje 2`},
		{"unknown column", "nb", "sender_org,unit,contact_email,manager_email,extra\n",
			`linje 1: ukjent kolonne "extra" (overskriftslinjen er sender_org,unit,contact_email,manager_email)`},
	} {
		code, page := b.uploadIn(c.lang, "/admin/units/import", tok, []byte(c.file))
		if code != http.StatusBadRequest || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d, want 400 and %q:\n%.3000s", c.name, code, c.want, page)
		}
	}
	if units, err := e.st.Units(t.Context(), store.Scope{}); err != nil || len(units) != 0 {
		t.Errorf("%d units stored (%v), want none", len(units), err)
	}
}

// A units file's organisation number of the wrong length is said in the
// deployment's words: a Danish-only deployment (Digital Post alone) asks
// for a CVR number of 8 digits and a Norwegian one for an organisation
// number of 9, neither naming the other country; one with both countries'
// channels, or none named, says both, as before.
func TestImportUnitsNumberLengthInDeploymentsWords(t *testing.T) {
	t.Parallel()
	const head = "sender_org,unit,contact_email,manager_email\n"
	for _, c := range []struct {
		name     string
		channels []string
		lang     string
		want     string
	}{
		{"Digital Post alone", []string{"digitalpost"}, "da", "linje 2, kolonne sender_org: CVR-nummeret skal have 8 cifre, ikke 7"},
		{"Digital Post alone, in English", []string{"digitalpost"}, "en", "line 2, column sender_org: CVR number must have 8 digits, not 7"},
		{"Norway", []string{"svarut", "altinn"}, "nb", "linje 2, kolonne sender_org: organisasjonsnummeret må ha 9 sifre, ikke 7"},
		{"both countries", []string{"svarut", "digitalpost"}, "da",
			"linje 2, kolonne sender_org: CVR-/organisationsnummeret skal have 9 cifre (Norge) eller 8 (Danmark, CVR), ikke 7"},
		{"every channel", nil, "nb", "linje 2, kolonne sender_org: organisasjonsnummeret må ha 9 sifre (Norge) eller 8 (Danmark, CVR), ikke 7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnvWith(t, web.WithChannels(c.channels))
			b := e.loggedIn("admin", "admin", "", "")
			_, page := b.get("/admin/units")
			code, page := b.uploadIn(c.lang, "/admin/units/import", csrf(page), []byte(head+"6494221,Borgerservice,bs@kk.dk,\n"))
			if code != http.StatusBadRequest || !strings.Contains(page, c.want) {
				t.Errorf("%d, want 400 and %q:\n%.3000s", code, c.want, page)
			}
		})
	}
}
