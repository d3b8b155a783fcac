package registered_test

import (
	"testing"

	"postvakt/internal/channel"
	_ "postvakt/internal/channel/registered"
)

// Every channel names its letters in each language a message is written in
// (a Danish notice lists Norwegian letters too): no English fallback in a
// Danish or Norwegian text.
func TestLettersNamedInEveryLanguage(t *testing.T) {
	specs := channel.Specs()
	if len(specs) < 3 {
		t.Fatalf("%d channels registered", len(specs))
	}
	for _, s := range specs {
		for _, lang := range []string{"no", "da", "en"} {
			if s.Letter[lang] == "" {
				t.Errorf("%s names no letter in %q", s.Name, lang)
			}
		}
	}
}
