package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestImportLettersTellsUnitsWrittenOtherwise: an upload naming a unit
// otherwise than the organisation's letters before it ("nav" beside
// "NAV") is imported, and the page says, in the reader's language, that
// it made a unit of its own beside the other, as `postvakt import` warns.
func TestImportLettersTellsUnitsWrittenOtherwise(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("officer", "compliance", "964338531", "")
	_, page := b.get("/import")
	if code, page := b.uploadLetters("en", csrf(page), []byte(importHeader+importRow(1, "NAV"))); code != http.StatusOK || strings.Contains(page, `id="import-units-like"`) {
		t.Fatalf("first upload: %d, want 200 and no unit told of:\n%.3000s", code, page)
	}
	code, page := b.uploadLetters("nb", csrf(page), []byte(importHeader+importRow(2, "nav")))
	if code != http.StatusOK || !strings.Contains(page, `<ul id="import-units-like"><li>Organisasjon 964338531 har fått en ny enhet «nav» ved siden av «NAV»`) {
		t.Fatalf("upload of nav beside NAV: %d, want 200 telling of the new unit:\n%.3000s", code, page)
	}
}
