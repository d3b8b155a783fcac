package i18n

import "strings"

// countryLanguages is the language postvakt writes in to people of a
// country (a channel's Spec.Country, an organisation number's country).
var countryLanguages = map[string]string{"NO": "nb", "DK": "da"}

// CountryLanguage returns the language of a country ("NO" → "nb", "DK" →
// "da"), or "" for a country postvakt has no language of.
func CountryLanguage(country string) string { return countryLanguages[country] }

// MailLanguages returns the languages an e-mail about the given countries
// is written in: the language of each country once (in the order of
// Languages), then English. With no known country it is English alone.
func MailLanguages(countries ...string) []string {
	want := map[string]bool{}
	for _, c := range countries {
		if l := CountryLanguage(c); l != "" {
			want[l] = true
		}
	}
	var out []string
	for _, l := range Languages {
		if want[l] {
			out = append(out, l)
		}
	}
	return append(out, "en")
}

// Mail writes a plain-text e-mail in several languages: its subject is
// each language's subject joined by " / " (Joined), its body one block per
// language, every block after the first headed by that language's
// mail.language line ("-- English --").
type Mail struct {
	Locs []*Localizer
}

// NewMail returns the writer of an e-mail in langs (see MailLanguages).
func NewMail(langs []string) Mail {
	m := Mail{}
	for _, l := range langs {
		m.Locs = append(m.Locs, For(l, nil))
	}
	return m
}

// Langs returns the e-mail's languages, for its Content-Language header.
func (m Mail) Langs() []string {
	out := make([]string, len(m.Locs))
	for i, l := range m.Locs {
		out[i] = l.Lang()
	}
	return out
}

// Joined joins text(l) over the languages with " / ": a subject, a
// one-line footer.
func (m Mail) Joined(text func(l *Localizer) string) string {
	parts := make([]string, len(m.Locs))
	for i, l := range m.Locs {
		parts[i] = text(l)
	}
	return strings.Join(parts, " / ")
}

// Body writes block once per language: w writes one line (a text with
// line breaks is several).
func (m Mail) Body(block func(l *Localizer, w func(line string))) string {
	var b strings.Builder
	w := func(line string) { b.WriteString(line + "\n") }
	for i, l := range m.Locs {
		if i > 0 {
			w("")
			w(l.T("mail.language"))
			w("")
		}
		block(l, w)
	}
	return b.String()
}
