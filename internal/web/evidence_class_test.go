package web_test

import (
	"strings"
	"testing"
)

// The evidence report names a confidential letter's class once: a Danish
// letter of class "fortrolig" reads "fortrolig" in Danish (it read
// "fortrolig (fortrolig)", and "taushetsbelagt (taushetsbelagt)" in
// bokmål), and "fortrolig (confidential)" in English.
func TestEvidenceClassSaidOnce(t *testing.T) {
	e := newEnv(t)
	got := danishLetters(t, e)
	b := e.loggedIn("kari", "compliance", "64942212", "")
	for _, tc := range []struct{ accept, want string }{
		{"da-DK", `<dd id="class">fortrolig</dd>`},
		{"en-GB", `<dd id="class">fortrolig (confidential)</dd>`},
	} {
		_, page := b.doIn(tc.accept, "GET", "/shipments/"+got[1].ID, nil)
		if !strings.Contains(page, tc.want) {
			i := strings.Index(page, `id="class"`)
			t.Errorf("%s: class shown as %.60s, want %s", tc.accept, page[max(i, 0):], tc.want)
		}
	}
}
