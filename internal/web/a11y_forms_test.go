package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// errorText is the text of the element with the id id ("" for none).
func errorText(doc *html.Node, id string) string {
	var said string
	walk(doc, func(n *html.Node) {
		if v, _ := attr(n, "id"); n.Type == html.ElementNode && v == id {
			said = text(n)
		}
	})
	return said
}

// 3.3.1 Error Identification, 3.3.3 Error Suggestion, 3.1.2: a refused
// filter of a list view (the list, the summaries by recipient and by unit)
// shows that page with its filter form as filled in, the problem in it in
// the page's language naming the field by its label, announced and tied to
// the field; it was an error page naming the query parameter ("min_age
// must be a number of days", "from must be a date"), the form gone. A
// refused filter shows no list.
func TestA11yListFilterErrorTiedToField(t *testing.T) {
	b, _, _ := a11yPages(t)
	for _, c := range []struct{ lang, path, field, says string }{
		{"nb", "/list?list=unopened&min_age=tre&unit=NAV", "min_age", "Min. alder (dager): oppgi et helt antall dager fra 0 til 100000."},
		{"da", "/unopened?from=2026-13-01", "from", `Sendt fra: "2026-13-01" er ikke en dato (ÅÅÅÅ-MM-DD).`},
		{"en", "/units?to=31.12.26&min_age=7", "to", `to: "31.12.26" is not a date (YYYY-MM-DD).`},
		{"da", "/list?state=bogus", "state", `Status: "bogus" er ikke et af valgene.`},
		{"en", "/unopened?channel=fax", "channel", `Channel: "fax" is not one of the choices.`},
		{"nb", "/list?recipient=12", "recipient", "Mottaker: oppgi et organisasjonsnummer."},
	} {
		code, page := b.getIn(c.lang, c.path)
		if code != http.StatusBadRequest {
			t.Fatalf("%s: %d", c.path, code)
		}
		doc := parse(t, page)
		fields := []string{c.field}
		if c.field == "recipient" { // not a field on the form: none is marked
			fields = nil
		}
		for _, s := range errorTied(doc, "filter-err", fields...) {
			t.Errorf("%s: %s (WCAG 3.3.1)", c.path, s)
		}
		if said := errorText(doc, "filter-err"); !strings.Contains(said, c.says) {
			t.Errorf("%s: the problem says %q, want %q (WCAG 3.3.1, 3.1.2)", c.path, said, c.says)
		}
		u, _ := url.Parse(c.path)
		q := u.Query()
		for _, in := range controls(doc) {
			name, _ := attr(in, "name")
			if v, _ := attr(in, "value"); in.Data == "input" && q.Has(name) && name != "recipient" && v != q.Get(name) {
				t.Errorf("%s: %s shows %q, not what was typed", c.path, name, v)
			}
		}
		for _, id := range []string{"shipments", "summary", "export-csv"} {
			if errorText(doc, id) != "" || strings.Contains(page, `id="`+id+`"`) {
				t.Errorf("%s: a refused filter shows #%s", c.path, id)
			}
		}
	}
}
