package i18n

import (
	"slices"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// A phrase said without a fallback ("", as the rules page and a List's
// values say theirs) whose key the reader's catalogue lacks is the English
// catalogue's text, as T's is, and the missing key is still reported; not
// an empty text. A key English lacks too is still "".
func TestSayWithoutFallbackIsEnglish(t *testing.T) {
	const key = "test.only_in_english"
	if err := bundle.AddMessages(language.English, &goi18n.Message{ID: key, Other: "only in {{.What}}"}); err != nil {
		t.Fatal(err)
	}
	was := keys["en"]
	keys["en"] = slices.Sorted(slices.Values(append(slices.Clone(was), key)))
	t.Cleanup(func() { keys["en"] = was })

	var missing []string
	nb := For("nb", func(lang, id string) { missing = append(missing, lang+":"+id) })
	p := P(key, "What", "English")
	if got := nb.Say(p, ""); got != "only in English" {
		t.Errorf("Say without a fallback: %q, want the English text", got)
	}
	if got := nb.Value(p); got != "only in English" {
		t.Errorf("Value: %q, want the English text", got)
	}
	if got := nb.Say(p, "given"); got != "given" {
		t.Errorf("Say with a fallback: %q, want the fallback", got)
	}
	if len(missing) == 0 || missing[0] != "nb:"+key {
		t.Errorf("missing reported %v, want nb:%s", missing, key)
	}
	if got := nb.Say(P("no.such.key"), ""); got != "" {
		t.Errorf("a key no catalogue has: %q, want none", got)
	}
}
