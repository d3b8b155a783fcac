package notice

import (
	"testing"

	"postvakt/internal/i18n"
)

// TestReasonInTheMailsLanguage: a follow-up opened from an incident report
// ("incident") or an alert's ("alert 12") is said in the mail's language,
// not as its English code inside a Norwegian or Danish mail.
func TestReasonInTheMailsLanguage(t *testing.T) {
	for _, c := range []struct{ lang, reason, want string }{
		{"nb", "unread", "ikke åpnet"},
		{"nb", "incident", "hendelse"},
		{"nb", "alert 12", "varsel 12"},
		{"da", "alert 7", "alarm 7"},
		{"da", "incident", "hændelse"},
		{"en", "alert 3", "alert 3"},
		{"nb", "something new", "something new"},
	} {
		if got := reason(i18n.For(c.lang, nil), c.reason); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.lang, c.reason, got, c.want)
		}
	}
}
