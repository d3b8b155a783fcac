package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestImportLettersMixedEncodingNoFlag: a file mixing UTF-8 with
// Windows-1252 is refused by the line of its first byte that is not UTF-8,
// in the reader's language, without the command line's advice: the page
// has no --encoding, and the whole upload decided (read as Windows-1252,
// its UTF-8 letters would be refused too).
func TestImportLettersMixedEncodingNoFlag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("officer", "compliance", "", "")
	for _, c := range []struct{ lang, file, want string }{
		{"en", importHeader + importRow(1, "Bærum") + importRow(2, "B\xe6rum"), "not valid UTF-8"},
		{"nb", importHeader + importRow(1, "NAV") + importRow(2, "B\xe6rum") + importRow(3, "Bærum"), "ikke gyldig UTF-8"},
	} {
		_, page := b.get("/import")
		code, page := b.uploadLetters(c.lang, csrf(page), []byte(c.file))
		if code != http.StatusBadRequest || !strings.Contains(page, "3") || !strings.Contains(page, c.want) {
			t.Fatalf("%s: %d, want 400 naming line 3, %q:\n%.2000s", c.lang, code, c.want, page)
		}
		if strings.Contains(page, "--encoding") {
			t.Errorf("%s: the page tells a browser's user to use --encoding:\n%.2000s", c.lang, page)
		}
	}
	if n := e.letters(); n != 0 {
		t.Errorf("%d letters registered, want none", n)
	}
}
