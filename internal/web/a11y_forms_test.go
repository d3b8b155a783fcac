package web_test

import (
	"context"
	"fmt"
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
		{"nb", "/units?stage=printing", "stage", `Trinn: "printing" er ikke et av valgene.`},
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

// formWithAction is the form whose action is action ("" for none).
func formWithAction(doc *html.Node, action string) *html.Node {
	for _, n := range elements(doc, "form") {
		if a, _ := attr(n, "action"); a == action {
			return n
		}
	}
	return nil
}

// 3.3.1 Error Identification, 3.3.3, 3.1.2: a refused new user, user access
// change or new API token shows the admin page with that form again as
// filled in, the problem in it in the page's language naming the field by
// its label, announced and tied to the field; it was a separate error page,
// the form lost and no field marked. No password or token is shown.
func TestA11yAdminFormErrorsTiedToField(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("admin", "admin", "", "")
	e.user("kari", "compliance", "964338531", "")
	kari, err := e.st.UserByName(context.Background(), "kari")
	if err != nil {
		t.Fatal(err)
	}
	_, page := b.get("/admin/users")
	token := csrf(page)
	form := func(kv ...string) url.Values {
		v := url.Values{"csrf": {token}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	b.doIn("en", "POST", "/admin/tokens", form("name", "sak", "role", "compliance", "sender_org", "964338531"))
	access := fmt.Sprintf("/admin/users/%d/access", kari.ID)
	for _, c := range []struct {
		lang, path  string
		form        url.Values
		code        int
		action, err string
		field, says string
	}{
		{"nb-NO", "/admin/users", form("name", "ny bruker", "role", "compliance", "sender_org", "964338531", "email", "ny@bergen.kommune.no"),
			400, "/admin/users", "add-user-err", "name", "Navn: Oppgi et navn uten mellomrom eller kolon, og ikke et fødselsnummer (navn skrives i loggene)."},
		{"da-DK", "/admin/users", form("name", "kari", "role", "compliance", "email", "kari@kk.dk"),
			409, "/admin/users", "add-user-err", "name", "Navn: Der findes allerede en bruger med dette navn."},
		{"da-DK", access, form("role", "compliance", "sender_org", "12", "unit", "NAV", "email", "kari@kk.dk"),
			400, access, "user-err", "sender_org", "Afsenderorganisation: Det er ikke et CVR-/organisationsnummer."},
		{"en-GB", "/admin/tokens", form("name", "arkiv", "role", "unit", "sender_org", "964338531"),
			400, "/admin/tokens", "add-token-err", "unit", "Sending unit: The role “sending unit” needs a sender organisation and a sending unit."},
		// The role as its choice names it, not "Rollen enhed", which the
		// role field does not offer.
		{"da-DK", "/admin/tokens", form("name", "arkiv", "role", "unit", "sender_org", "964338531"),
			400, "/admin/tokens", "add-token-err", "unit", "Afsenderenhed: Rollen »afsenderenhed« kræver en afsenderorganisation og en afsenderenhed."},
		{"nb-NO", "/admin/users", form("name", "arkiv", "role", "unit", "email", "arkiv@bergen.kommune.no"),
			400, "/admin/users", "add-user-err", "sender_org", "Avsendervirksomhet: Rollen «avsenderenhet» trenger en avsendervirksomhet og en avsenderenhet."},
		{"nb-NO", "/admin/tokens", form("name", "sak", "role", "compliance", "sender_org", "964338531"),
			409, "/admin/tokens", "add-token-err", "name", "Navn: En aktiv nøkkel har allerede dette navnet"},
	} {
		code, page := b.doIn(c.lang, "POST", c.path, c.form)
		if code != c.code {
			t.Fatalf("%s %v: %d, want %d", c.path, c.form, code, c.code)
		}
		doc := parse(t, page)
		f := formWithAction(doc, c.action)
		if f == nil {
			t.Fatalf("%s: no form %s on the page (the form is lost)", c.path, c.action)
		}
		for _, s := range errorTied(f, c.err, c.field) {
			t.Errorf("%s %s: %s (WCAG 3.3.1)", c.lang, c.path, s)
		}
		if said := errorText(f, c.err); !strings.Contains(said, c.says) {
			t.Errorf("%s %s: the problem says %q, want %q (WCAG 3.3.1, 3.1.2)", c.lang, c.path, said, c.says)
		}
		for _, in := range controls(f) {
			name, _ := attr(in, "name")
			v, _ := attr(in, "value")
			if in.Data == "input" && name != "csrf" && c.form.Has(name) && v != c.form.Get(name) {
				t.Errorf("%s: %s shows %q, not what was typed", c.path, name, v)
			}
		}
		var shown strings.Builder
		_ = html.Render(&shown, f)
		if !strings.Contains(shown.String(), fmt.Sprintf(`<option value="%s" selected="">`, c.form.Get("role"))) {
			t.Errorf("%s: the role chosen (%s) is not chosen again", c.path, c.form.Get("role"))
		}
		if strings.Contains(page, `id="new-password"`) || strings.Contains(page, `id="new-token"`) {
			t.Errorf("%s: a refused form shows a password or token", c.path)
		}
	}
}
