package i18n

import (
	"slices"
	"testing"
	"time"
)

// Every language has exactly the keys English has: a missing entry fails
// here, whatever page uses it.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	en := Keys("en")
	if len(en) < 100 {
		t.Fatalf("English catalogue has %d keys", len(en))
	}
	for _, lang := range Languages {
		got := Keys(lang)
		for _, k := range en {
			if !slices.Contains(got, k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		for _, k := range got {
			if !slices.Contains(en, k) {
				t.Errorf("%s has %q, English does not", lang, k)
			}
		}
	}
}

func TestLocalize(t *testing.T) {
	var missing []string
	note := func(lang, id string) { missing = append(missing, lang+":"+id) }
	// Twice: the second pass is answered from the memo, which must keep
	// languages, ids and arguments apart.
	for pass := range 2 {
		for _, tc := range []struct {
			lang, id string
			args     []any
			want     string
		}{
			{"en", "nav.overview", nil, "Overview"},
			{"nb", "nav.overview", nil, "Oversikt"},
			{"da", "nav.overview", nil, "Overblik"},
			{"en", "ev.reminders", []any{"Count", 1}, "1 reminder"},
			{"en", "ev.reminders", []any{"Count", 3}, "3 reminders"},
			{"nb", "ev.reminders", []any{"Count", 3}, "3 påminnelser"},
			{"da", "search.none", []any{"Recipient", "974760673"}, "Ingen forsendelser til 974760673, som du har adgang til."},
			{"da", "search.none", []any{"Recipient", "910000001"}, "Ingen forsendelser til 910000001, som du har adgang til."},
			{"xx", "nav.overview", nil, "Overview"},
		} {
			if got := For(tc.lang, note).T(tc.id, tc.args...); got != tc.want {
				t.Errorf("pass %d: %s %s: %q, want %q", pass, tc.lang, tc.id, got, tc.want)
			}
		}
	}
	if len(missing) != 0 {
		t.Errorf("reported missing: %v", missing)
	}
	for i := 1; i <= 2; i++ {
		if got := For("da", note).T("no.such.key"); got != "⟦no.such.key⟧" || len(missing) != i {
			t.Errorf("missing key, call %d: %q, reported %v (a missing text is reported every time)", i, got, missing)
		}
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "en",
		"nb-NO,nb;q=0.9,en;q=0.8":      "nb",
		"no":                           "nb",
		"nn-NO":                        "nb",
		"da-DK,da;q=0.9":               "da",
		"en-US,en;q=0.9":               "en",
		"de-DE,de;q=0.9":               "en",
		"sv-SE,da;q=0.8,en;q=0.5":      "da",
		"fr;q=0.9, nb;q=0.8, en;q=0.7": "nb",
		// Nynorsk (or "no") before English, as a browser set to
		// nynorsk sends it, is Norwegian: bokmål, not English.
		"nn-NO,nn;q=0.9,en-US;q=0.8,en;q=0.7": "nb",
		"nn,en;q=0.5":                         "nb",
		"no-NO,en;q=0.5":                      "nb",
		"en-GB,en;q=0.9,nn;q=0.8":             "en",
		"sv-SE,nn;q=0.8,da;q=0.5":             "nb",
	} {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %s, want %s", in, got, want)
		}
	}
}

// No two argument lists share a memo key, and a text with an argument
// that may not mean the same text twice (a time) is not kept.
func TestMemoKey(t *testing.T) {
	a, okA := memoKey("en", false, "x", []any{"Tag", "X\x00string:At\x00string:1 May", "ID", "e1"})
	b, okB := memoKey("en", false, "x", []any{"Tag", "X", "At", "1 May", "ID", "e1"})
	if !okA || !okB || a == b {
		t.Errorf("keys %q and %q (kept %v %v): two argument lists share a key", a, b, okA, okB)
	}
	if c, _ := memoKey("en", false, "x", []any{"Count", 1}); c == a || c == b {
		t.Errorf("key %q repeats another", c)
	}
	if one, _ := memoKey("en", false, "x", []any{"N", 1}); one == func() string { k, _ := memoKey("en", false, "x", []any{"N", "1"}); return k }() {
		t.Error("the integer 1 and the string \"1\" share a key")
	}
	if _, ok := memoKey("en", false, "x", []any{"At", time.Now()}); ok {
		t.Error("a text with a time argument is kept")
	}
}

// A phrase is said in the localizer's language, a phrase among its
// arguments too; a phrase with a key the catalogue lacks (its own or an
// argument's), or no phrase at all, is the fallback, never a key in
// brackets. English is the English catalogue's.
func TestSay(t *testing.T) {
	fact := P("problem.fact.sent_at")
	other := P("problem.other_fact_line", "Line", 2, "ID", `"x"`, "Fact", fact)
	for _, tc := range []struct {
		lang string
		p    Phrase
		want string
	}{
		{"nb", P("problem.required"), "må fylles ut"},
		{"da", P("problem.text_long", "Max", 10, "Len", 12), "længere end 10 tegn (12)"},
		{"nb", other, `linje 2 oppgir brevet "x" med en annen verdi for sendetidspunkt: rett linjen som er feil`},
		{"en", other, `line 2 names the letter "x" with another sent time: correct the line that is wrong`},
		{"nb", P("no.such.key"), "fallback"},
		{"nb", P("problem.csv_at", "At", 3, "Problem", P("no.such.key")), "fallback"},
		{"da", Phrase{}, "fallback"},
	} {
		if got := For(tc.lang, nil).Say(tc.p, "fallback"); got != tc.want {
			t.Errorf("%s %+v: %q, want %q", tc.lang, tc.p, got, tc.want)
		}
	}
	if got := P("problem.fact.sent_at").English(); got != "sent time" {
		t.Errorf("English: %q, want the English catalogue's", got)
	}
	if got := (Phrase{}).English(); got != "" {
		t.Errorf("the zero Phrase's English: %q, want none", got)
	}
}

// TestOnlyOneCountry: a localizer for a deployment of one country's
// letters says a text's ".<country>_only" form where the catalogue has one
// (a Danish deployment: "CVR-nummer"), and the text itself where it has
// none, or for no country or another one.
func TestOnlyOneCountry(t *testing.T) {
	for _, tc := range []struct {
		lang, only, id, want string
	}{
		{"da", "dk", "search.ident", "CVR-nummer eller CPR-nummer"},
		{"en", "dk", "incident.org_hint", "CVR number"},
		{"da", "", "search.ident", "CVR-/organisationsnummer eller CPR-/personnummer"},
		{"nb", "no", "search.ident", "Organisasjonsnummer eller fødselsnummer"},
		{"da", "dk", "audit.when", "Hvornår"},
	} {
		if got := For(tc.lang, nil).Only(tc.only).T(tc.id); got != tc.want {
			t.Errorf("%s %q %s: %q, want %q", tc.lang, tc.only, tc.id, got, tc.want)
		}
	}
}

// TestDuration: a duration as people say it, in each language, never as Go
// writes it.
func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"en", time.Hour, "1 hour"},
		{"en", 6 * time.Hour, "6 hours"},
		{"en", 72 * time.Hour, "3 days"},
		{"en", 90 * time.Minute, "2 hours"},
		{"en", 45 * time.Minute, "45 minutes"},
		{"en", 31 * time.Second, "31 seconds"},
		{"en", 500 * time.Millisecond, "500 milliseconds"},
		{"nb", 6 * time.Hour, "6 timer"},
		{"da", 72 * time.Hour, "3 dage"},
	} {
		if got := For(tc.lang, nil).Duration(tc.d); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.d, got, tc.want)
		}
	}
}
