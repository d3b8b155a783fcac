package i18n

import "testing"

func TestFormatInt(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{"nb", 0, "0"},
		{"nb", 999, "999"},
		{"nb", 1000, "1\u00a0000"},
		{"nb", 1307, "1\u00a0307"},
		{"nb", 1234567, "1\u00a0234\u00a0567"},
		{"nb", -1307, "\u22121\u00a0307"}, // CLDR: nb writes a minus sign, U+2212
		{"da", 999, "999"},
		{"da", 1307, "1.307"},
		{"da", 1234567, "1.234.567"},
		{"en", 1307, "1,307"},
		{"en", 1234567, "1,234,567"},
		{"xx", 1307, "1,307"},
	} {
		if got := FormatInt(tc.lang, tc.n); got != tc.want {
			t.Errorf("FormatInt(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// A Count and a Number are grouped in the text T writes, the plural form
// still chosen by the number; another integer (a year, a line) is not.
func TestCountsGroupedInTexts(t *testing.T) {
	for pass := range 2 { // the second from the memo
		for _, tc := range []struct {
			lang, id string
			args     []any
			want     string
		}{
			{"nb", "ev.reminders", []any{"Count", 1307}, "1\u00a0307 påminnelser"},
			{"da", "ev.reminders", []any{"Count", int64(1307)}, "1.307 påmindelser"},
			{"en", "ev.reminders", []any{"Count", Number(1307)}, "1,307 reminders"},
			{"en", "ev.reminders", []any{"Count", 1}, "1 reminder"},
			{"nb", "mail.alert.letters_as_of", []any{"Letters", Number(1307), "At", "12:00"}, "1\u00a0307 per 12:00"},
			{"nb", "mail.alert.letters_as_of", []any{"Letters", 2026, "At", "12:00"}, "2026 per 12:00"},
		} {
			if got := For(tc.lang, nil).T(tc.id, tc.args...); got != tc.want {
				t.Errorf("pass %d: %s %s %v: %q, want %q", pass, tc.lang, tc.id, tc.args, got, tc.want)
			}
		}
	}
	// The English of a phrase is what the API and the command line print:
	// digits as they are.
	p := P("ev.reminders", "Count", 1307)
	if got := p.English(); got != "1307 reminders" {
		t.Errorf("English() = %q, want 1307 reminders", got)
	}
	if got := For("en", nil).Say(p, ""); got != "1,307 reminders" {
		t.Errorf("Say in en = %q, want 1,307 reminders", got)
	}
}
