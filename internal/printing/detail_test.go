package printing

import (
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// TestDetailInEachLanguage: a manual-handling detail built from the
// register's answer is kept as catalogue keys with the register's data, so
// a Norwegian and a Danish page each say it in their language, with the
// organisation number and date in it; the evidence keeps the English
// sentence it always had.
func TestDetailInEachLanguage(t *testing.T) {
	const addr = `{"adresse": ["Strandgaten 1"], "postnummer": "5013", "poststed": "BERGEN", "landkode": "NO"}`
	for _, c := range []struct {
		name    string
		status  int
		body    string
		english string
		nb, da  string // a part of the Norwegian and the Danish text
	}{
		{"unknown", 404, `{}`, "organisation 974760673 is not in the business register (HTTP 404)",
			"organisasjonen 974760673 finnes ikke i Enhetsregisteret", "organisationen 974760673 findes ikke"},
		{"removed", 410, ``, "organisation 974760673 was removed from the business register",
			"974760673 er fjernet fra Enhetsregisteret", "974760673 er fjernet fra Enhetsregisteret"},
		{"deleted", 200, `{"organisasjonsnummer": "974760673", "slettedato": "2025-02-03", "forretningsadresse": ` + addr + `}`,
			"organisation 974760673 was deleted from the business register on 2025-02-03",
			"ble slettet fra Enhetsregisteret 2025-02-03", "blev slettet fra Enhetsregisteret (det norske virksomhedsregister) 2025-02-03"},
		{"bankrupt", 200, `{"organisasjonsnummer": "974760673", "konkurs": true, "forretningsadresse": ` + addr + `}`,
			"organisation 974760673 is bankrupt (konkurs)", "organisasjonen 974760673 er konkurs", "organisationen 974760673 er gået konkurs"},
		{"forced dissolution", 200, `{"organisasjonsnummer": "974760673", "underTvangsavviklingEllerTvangsopplosning": true, "forretningsadresse": ` + addr + `}`,
			"organisation 974760673 is under forced dissolution", "974760673 er under tvangsavvikling", "974760673 er under tvangsopløsning"},
		{"winding up", 200, `{"organisasjonsnummer": "974760673", "underAvvikling": true, "forretningsadresse": ` + addr + `}`,
			"organisation 974760673 is being wound up (under avvikling)", "974760673 er under avvikling", "974760673 er under afvikling"},
		{"closed", 200, `{"organisasjonsnummer": "974760673", "nedleggelsesdato": "2025-03-01", "beliggenhetsadresse": ` + addr + `}`,
			"sub-unit 974760673 was closed down on 2025-03-01", "underenheten 974760673 ble nedlagt 2025-03-01", "underenheden 974760673 blev nedlagt 2025-03-01"},
		{"abroad", 200, `{"organisasjonsnummer": "974760673", "forretningsadresse": {"adresse": ["Vesterbrogade 1"], "land": "Danmark", "landkode": "DK"}}`,
			"organisation 974760673 has its address abroad (Danmark DK): post it by hand",
			"har adressen sin i utlandet (Danmark DK)", "har sin adresse i udlandet (Danmark DK)"},
		{"no address", 200, `{"organisasjonsnummer": "974760673", "forretningsadresse": {"adresse": ["Strandgaten 1"], "land": "Norge"}}`,
			"organisation 974760673 has no usable postal or business address in the register",
			"974760673 har ingen brukbar postadresse", "974760673 har ingen brugbar post- eller forretningsadresse"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := judge("974760673", c.status, []byte(c.body))
			if err != nil || v.reason == "" {
				t.Fatalf("verdict %+v, %v: want manual handling", v, err)
			}
			checkDetail(t, v.why, c.english, c.nb, c.da)
		})
	}
}

// checkDetail checks why in English (the evidence's sentence), Norwegian
// and Danish: each has its language's text and no other's.
func checkDetail(t *testing.T, why []i18n.Phrase, english, nb, da string) {
	t.Helper()
	if got := englishDetail(why); got != english {
		t.Errorf("English detail %q, want %q", got, english)
	}
	for lang, want := range map[string]string{"nb": nb, "da": da} {
		got := Detail(i18n.For(lang, func(lang, id string) { t.Errorf("%s has no %s", lang, id) }), why, "recorded")
		if !strings.Contains(got, want) || got == english || strings.Contains(got, "organisation ") || strings.Contains(got, " register") {
			t.Errorf("%s detail %q, want it to say %q and no English", lang, got, want)
		}
	}
}

// TestSubUnitDetailInEachLanguage: a sub-unit of a bankrupt main unit says
// both, in the page's language; a Danish CVR number and a person say why
// there is no address, in the page's language.
func TestSubUnitDetailInEachLanguage(t *testing.T) {
	answers := map[string]store.RegisterEntry{
		"974760673": {Kind: store.RegisterUnderenhet, Status: http.StatusOK, Body: []byte(`{"organisasjonsnummer": "974760673", "overordnetEnhet": "910002384",
			"beliggenhetsadresse": {"adresse": ["Kong Oscars gate 7"], "postnummer": "5017", "poststed": "BERGEN", "landkode": "NO"}}`)},
		"910002384": {Kind: store.RegisterEnhet, Status: http.StatusOK, Body: []byte(`{"organisasjonsnummer": "910002384", "konkurs": true}`)},
	}
	v, _, err := addressOf("974760673", func(nr string) registerAsk { return registerAsk{e: answers[nr]} })
	if err != nil || v.reason != ReasonBankrupt {
		t.Fatalf("verdict %+v, %v: want bankrupt", v, err)
	}
	checkDetail(t, v.why, "sub-unit 974760673 belongs to 910002384: organisation 910002384 is bankrupt (konkurs)",
		"underenheten 974760673 hører til 910002384: organisasjonen 910002384 er konkurs",
		"underenheden 974760673 hører under 910002384: organisationen 910002384 er gået konkurs")
	checkDetail(t, []i18n.Phrase{i18n.P("manual.detail.cvr", "Orgnr", "14691804")},
		"14691804 is a Danish CVR number: Enhetsregisteret has no address for it",
		"14691804 er et dansk CVR-nummer: Enhetsregisteret har ingen adresse", "14691804 er et dansk CVR-nummer")
}

// TestDetailOfBefore: a case recorded before the keys were kept shows its
// recorded detail: a fixed sentence of then in the page's language, the
// register's free text as it was written.
func TestDetailOfBefore(t *testing.T) {
	nb := i18n.For("nb", nil)
	const free = "organisation 974760673 is bankrupt (konkurs)"
	if got := Detail(nb, nil, free); got != free {
		t.Errorf("old free-text detail shows %q, want it as recorded", got)
	}
	if got := Detail(nb, nil, "the recipient is a person: postvakt has no address register for persons"); got != nb.T("manual.detail.person") {
		t.Errorf("old fixed sentence shows %q, want the Norwegian", got)
	}
	if got := Detail(nb, []i18n.Phrase{{Key: "manual.detail.no_such_key"}}, free); got != free {
		t.Errorf("a key the catalogue lacks shows %q, want the recorded detail", got)
	}
}
