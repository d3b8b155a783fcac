package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRemindersOrgFilterRefusesNoNumber: /reminders narrowed to a value
// that is no organisation number (digits missing, a name typed in the
// field) said "Nothing to settle." — of an organisation that may wait for
// an address. It is refused as the lists refuse a bad filter: 400, the
// problem said in the page's language beside the field, tied to it, the
// value shown again as typed, and no list claiming nothing waits.
func TestRemindersOrgFilterRefusesNoNumber(t *testing.T) {
	_, off := waitingForAddress(t)
	for _, tc := range []struct{ typed, lang, says string }{
		{"910 859", "da", "Modtagende organisation: CVR-/organisationsnummeret skal have 9 cifre (Norge) eller 8 (Danmark, CVR), ikke 6"},
		{"Fjordkraft", "nb", "Mottakende virksomhet:"},
		{"910859898", "en", "910859898"},
	} {
		code, page := off.getIn(tc.lang, "/reminders?"+url.Values{"org": {tc.typed}}.Encode())
		if code != http.StatusBadRequest {
			t.Errorf("org=%q: %d, want 400", tc.typed, code)
		}
		doc := parse(t, page)
		f := formWithAction(doc, "/reminders")
		if f == nil {
			t.Fatalf("org=%q: no filter form", tc.typed)
		}
		for _, s := range errorTied(f, "reminders-err", "org") {
			t.Errorf("org=%q: %s", tc.typed, s)
		}
		if said := errorText(f, "reminders-err"); !strings.Contains(said, tc.says) {
			t.Errorf("org=%q: the problem says %q, want %q", tc.typed, said, tc.says)
		}
		if !strings.Contains(page, `name="org" value="`+tc.typed+`"`) {
			t.Errorf("org=%q: the field does not show what was typed", tc.typed)
		}
		if strings.Contains(page, `id="reminders"`) {
			t.Errorf("org=%q: a list is shown for a filter that is no organisation", tc.typed)
		}
	}
}
