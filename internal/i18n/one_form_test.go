package i18n

import "testing"

// A count given to a text with one form (no one:/other:) is that form:
// not a "missing translation" every time, and kept in the memo as any
// other text.
func TestCountOfOneFormText(t *testing.T) {
	for _, tc := range []struct {
		lang, id string
		args     []any
		want     string
	}{
		{"en", "list.total_more", []any{"Count", 1}, "More than 1 shipments: the next page has more."},
		{"nb", "list.total_more", []any{"Count", 1}, "Mer enn 1 forsendelser: neste side har flere."},
		{"da", "reminders.capped", []any{"Count", 1}, "Kun de første 1 vises (ukendt udfald først, så de ældste): afklar dem, eller angiv en modtagende organisation ovenfor for at finde dens påmindelser."},
		{"en", "mail.alert.why.print_provider_silent", []any{"Provider", "P", "Count", 1, "Open", 3, "After", "2 hours", "Since", "1 March"},
			"the print provider P has given no useful answer about 1 of 3 open print orders for 2 hours or longer (since 1 March): their status polls fail, or it answers that it knows none of postvakt's orders; their letters may not be printed and none goes to manual handling. Check POSTVAKT_PRINT_URL, the provider account and the provider's status"},
	} {
		var missing []string
		l := For(tc.lang, func(lang, id string) { missing = append(missing, lang+":"+id) })
		if got := l.T(tc.id, tc.args...); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.id, got, tc.want)
		}
		if len(missing) != 0 {
			t.Errorf("%s %s: reported missing %v", tc.lang, tc.id, missing)
		}
		key, _ := memoKey(tc.lang, false, tc.id, tc.args)
		if _, ok := memo.get(key); !ok {
			t.Errorf("%s %s: not kept in the memo", tc.lang, tc.id)
		}
	}
}
