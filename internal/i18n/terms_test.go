package i18n

import (
	"regexp"
	"strings"
	"testing"
)

// TestNoEnglishTermsInNordicCatalogues: the Norwegian and Danish texts say
// the UI's own words for a policy (regelsett, regelsæt) and a print batch
// (bunke), not the English ones nor a Danish "politik"; a compliance
// officer's notice said "batch 1 (policy barnevern)" in its Norwegian block
// while the pages and the Danish block said "bunke" and "regelsett". The commands' names
// (postvakt policy check), the policy folder (policymappen) and the
// templates' parameters stay.
func TestNoEnglishTermsInNordicCatalogues(t *testing.T) {
	english := regexp.MustCompile(`(?i)\b(polic(y|yen|yer|ies)|politik(ken|kens|s)?|batch(en|es)?)\b`)
	command := regexp.MustCompile(`postvakt policy [a-z]+|\{\{[^}]*\}\}`)
	for _, lang := range []string{"nb", "da"} {
		src, err := files.ReadFile("catalogue/" + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			_, value, ok := strings.Cut(line, ": ")
			if !ok {
				continue
			}
			if w := english.FindString(command.ReplaceAllString(value, "")); w != "" {
				t.Errorf("%s.yaml:%d says %q: %s", lang, i+1, w, strings.TrimSpace(line))
			}
		}
	}
}

// TestDanishNumbersInDanishWords: the Danish texts do not think in
// Norwegian. A Danish organisation's number is its CVR number and a
// person's its CPR number: a bare "organisationsnummer" or "personnummer"
// (the Norwegian organisasjonsnummer and fødselsnummer) is said as
// "CVR-/organisationsnummer" or "CPR-/personnummer" where the text serves
// either country's letters, and as "norsk ..." where it is Norway's (an
// Altinn text is). Altinn's access role ("adgangsrollen") is not how
// Digital Post is read: a rule text shown for both says neither.
func TestDanishNumbersInDanishWords(t *testing.T) {
	src, err := files.ReadFile("catalogue/da.yaml")
	if err != nil {
		t.Fatal(err)
	}
	allowed := regexp.MustCompile(`(?i)CVR-/organisationsnummer|CPR-/personnummer|norske? (organisationsnummer|personnummer)`)
	bare := regexp.MustCompile(`(?i)\b(organisationsnummer|personnummer|adgangsrolle)`)
	for i, line := range strings.Split(string(src), "\n") {
		key, value, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		w := bare.FindString(allowed.ReplaceAllString(value, ""))
		if w == "" || (strings.Contains(strings.ToLower(line), "altinn") && !strings.EqualFold(w, "adgangsrolle")) {
			continue // an Altinn text's number is a Norwegian one
		}
		t.Errorf("da.yaml:%d %s says %q, a Norwegian thought: %s", i+1, key, w, strings.TrimSpace(value))
	}
}

// TestDanishNamesTheRegisterByItsName: the Danish texts name Norway's
// register of organisations by its own name, Enhetsregisteret, with "det
// norske virksomhedsregister" beside it where it is said first, as every
// other Danish text does: the /rules page's print fallback said
// "Enhedsregistret", a name a Danish reader takes for a Danish register
// and finds nowhere.
func TestDanishNamesTheRegisterByItsName(t *testing.T) {
	src, err := files.ReadFile("catalogue/da.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wrong := regexp.MustCompile(`(?i)enhedsregist`)
	for i, line := range strings.Split(string(src), "\n") {
		if w := wrong.FindString(line); w != "" {
			t.Errorf("da.yaml:%d says %q, not Enhetsregisteret: %s", i+1, w, strings.TrimSpace(line))
		}
	}
}
