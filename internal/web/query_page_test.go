package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnreadableQueryIsAPage: a page's address whose query cannot be
// read (a stray %, as in a unit "50%" glued into a bookmark; a byte that
// is no UTF-8) was answered with Go's plain English text, no page, no
// language, no way back, to a Danish or Norwegian officer. It is the
// error page (400) in the reader's language, with the menu, saying what
// to write instead; the API answers as before (JSON).
func TestUnreadableQueryIsAPage(t *testing.T) {
	e := newEnv(t)
	e.seed(1)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, tc := range []struct{ lang, path, says string }{
		{"da", "/list?list=unopened&unit=50%", "%25"},
		{"nb", "/unopened?class=50%zz", "%25"},
		{"da", "/list?class=%ff", "class"},
		{"nb", "/list?list=unopened;state=opened", "&"},
	} {
		code, page := b.getIn(tc.lang, tc.path)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tc.path, code)
		}
		if !strings.Contains(page, `<html lang="`+tc.lang+`">`) || !strings.Contains(page, `href="/list?list=problems"`) {
			t.Errorf("%s: not a %s page with the menu:\n%.300s", tc.path, tc.lang, page)
		}
		main := page[max(strings.Index(page, "<main"), 0):]
		if !strings.Contains(main, tc.says) || strings.Contains(main, "cannot be read") || strings.Contains(main, "is not text") {
			t.Errorf("%s: the page does not say it in %s with %q:\n%.400s", tc.path, tc.lang, tc.says, main)
		}
	}
	if code, body := e.get("/api/v1/shipments?unit=50%", e.token("compliance", "964338531", "")); code != http.StatusBadRequest ||
		!strings.Contains(body, `"error"`) {
		t.Errorf("API: %d %.200s, want its JSON 400", code, body)
	}
}
