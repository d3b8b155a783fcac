package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A refused search shows the form again as it was filled in: a caseworker
// who typed an organisation number with a digit wrong, or a date with a
// two-digit year (31.12.26; 31.12.2026 is taken, parseDay), corrects it instead of typing the number again (the
// README's "the refused form shown again as filled in"). A search that ran
// does not echo the id: its page shows it masked.
func TestSearchRefusedKeepsWhatWasTyped(t *testing.T) {
	e := newEnv(t)
	e.seed(2)
	b := e.loggedIn("sak", "unit", "964338531", "NAV")
	for _, c := range []struct {
		name              string
		form              url.Values
		recipient, toDate string
	}{
		{"a digit wrong", url.Values{"recipient": {"974 760 674"}}, "974 760 674", ""},
		{"a date with a two-digit year", url.Values{"recipient": {"974 760 673"}, "from": {"2026-01-01"}, "to": {"31.12.26"}},
			"974 760 673", "31.12.26"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, page := b.get("/search")
			c.form.Set("csrf", csrf(page))
			code, _, body := b.post("/search", c.form)
			if code != http.StatusBadRequest {
				t.Fatalf("%v: %d", c.form, code)
			}
			if want := `name="recipient" id="recipient" size="14" required autocomplete="off" value="` + c.recipient + `"`; !strings.Contains(body, want) {
				t.Errorf("the refused search lost the recipient typed (%q): no %s in\n%s", c.recipient, want, body)
			}
			if c.toDate != "" && !strings.Contains(body, `name="to" type="date" value="`+c.toDate+`"`) {
				t.Errorf("the refused search lost the date typed (%q)", c.toDate)
			}
		})
	}
	// Searched, found nothing: the page names the recipient masked, and
	// the field does not hold the full id.
	_, page := b.get("/search")
	code, _, body := b.post("/search", url.Values{"csrf": {csrf(page)}, "recipient": {"02027010019"}})
	if code != http.StatusOK || !strings.Contains(body, "020270*****") || strings.Contains(body, "02027010019") {
		t.Fatalf("a search that found nothing: %d, shows the id unmasked or not at all:\n%s", code, body)
	}
}
