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
