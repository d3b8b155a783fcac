// Accessibility (WCAG 2.1 AA) checks of the pages' structure as a screen
// reader reads it: language, title, headings, landmarks, tables, and the
// errors of the login and search forms. Helpers are in a11y_test.go.
package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

func elements(doc *html.Node, tags ...string) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		for _, t := range tags {
			if n.Data == t {
				out = append(out, n)
			}
		}
	})
	return out
}

// 3.1.1 Language of Page, 2.4.2 Page Titled, 1.3.1 / 2.4.6 Headings and
// Labels, 1.3.1 landmarks: in each language every page (and the login
// page) says its language, has a title, one h1 and no heading level
// skipped, one header, main and footer; more than one navigation landmark
// (the menu and the list views) need names that tell them apart.
func TestA11yPageStructure(t *testing.T) {
	b, pages, _ := a11yPages(t)
	anon := b.e.browser()
	for _, lang := range i18n.Languages {
		for _, p := range append(pages, "/login") {
			c := b
			if p == "/login" {
				c = anon
			}
			code, page := c.getIn(lang, p)
			if code != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, p, code)
			}
			doc := parse(t, page)
			where := lang + " " + p
			if h := elements(doc, "html"); len(h) != 1 {
				t.Fatalf("%s: %d html elements", where, len(h))
			} else if l, _ := attr(h[0], "lang"); l != lang {
				t.Errorf("%s: <html lang=%q>, want %q (WCAG 3.1.1)", where, l, lang)
			}
			var ti []*html.Node // the document's, not the charts' (SVG <title>)
			for _, h := range elements(doc, "head") {
				ti = append(ti, elements(h, "title")...)
			}
			if len(ti) != 1 || strings.TrimSpace(strings.TrimSuffix(text(ti[0]), "· postvakt")) == "" {
				t.Errorf("%s: no page title of its own (WCAG 2.4.2)", where)
			}
			level := 0
			h1 := 0
			for _, h := range elements(doc, "h1", "h2", "h3", "h4", "h5", "h6") {
				n := int(h.Data[1] - '0')
				if n == 1 {
					h1++
				}
				if n > level+1 {
					t.Errorf("%s: <%s> %q follows h%d, a level skipped (WCAG 1.3.1)", where, h.Data, text(h), level)
				}
				if strings.TrimSpace(text(h)) == "" {
					t.Errorf("%s: an empty <%s> (WCAG 2.4.6)", where, h.Data)
				}
				level = n
			}
			if h1 != 1 {
				t.Errorf("%s: %d h1, want one (WCAG 1.3.1)", where, h1)
			}
			want := map[string]int{"main": 1, "footer": 1, "header": 1}
			if p == "/login" {
				want["header"] = 0 // nothing to navigate before the login
			}
			for tag, n := range want {
				if got := len(elements(doc, tag)); got != n {
					t.Errorf("%s: %d <%s>, want %d (WCAG 1.3.1)", where, got, tag, n)
				}
			}
			navs := elements(doc, "nav")
			names := map[string]bool{}
			for _, n := range navs {
				name, _ := attr(n, "aria-label")
				if len(navs) > 1 && (name == "" || names[name]) {
					t.Errorf("%s: %d navigation landmarks, one unnamed or named alike (%q) (WCAG 1.3.1)", where, len(navs), name)
				}
				names[name] = true
			}
		}
	}
}

// 1.3.1 Info and Relationships: a screen reader names a table by its
// caption (in its list of tables, and on entering it) and reads each
// cell with its column's header: every table has a caption and every
// header cell a scope.
func TestA11yTablesCaptionAndScope(t *testing.T) {
	b, pages, _ := a11yPages(t)
	for _, p := range pages {
		_, page := b.get(p)
		doc := parse(t, page)
		for _, tbl := range elements(doc, "table") {
			id, _ := attr(tbl, "id")
			caps := elements(tbl, "caption")
			if len(caps) != 1 || text(caps[0]) == "" {
				t.Errorf("%s: table #%s has no caption (WCAG 1.3.1)", p, id)
			}
			for _, th := range elements(tbl, "th") {
				switch s, _ := attr(th, "scope"); s {
				case "col", "row", "colgroup", "rowgroup":
				default:
					t.Errorf("%s: table #%s: <th> %q has scope %q (WCAG 1.3.1)", p, id, text(th), s)
				}
			}
		}
	}
}

// errorTied reports what is wrong with how the page ties its error to the
// fields named: the error is announced (role=alert) and each field is
// aria-invalid and described by it; no other field is marked.
func errorTied(doc *html.Node, errID string, fields ...string) []string {
	var bad []string
	var msg *html.Node
	walk(doc, func(n *html.Node) {
		if id, _ := attr(n, "id"); n.Type == html.ElementNode && id == errID {
			msg = n
		}
	})
	if msg == nil {
		return []string{"no #" + errID}
	}
	if r, _ := attr(msg, "role"); r != "alert" {
		bad = append(bad, "#"+errID+" is not announced (role=alert)")
	}
	for _, c := range controls(doc) {
		name, _ := attr(c, "name")
		inv, _ := attr(c, "aria-invalid")
		desc, _ := attr(c, "aria-describedby")
		wanted := false
		for _, f := range fields {
			wanted = wanted || f == name
		}
		if wanted && (inv != "true" || !strings.Contains(" "+desc+" ", " "+errID+" ")) {
			bad = append(bad, name+": aria-invalid="+inv+" aria-describedby="+desc)
		}
		if !wanted && inv == "true" {
			bad = append(bad, name+" is marked invalid and is not")
		}
	}
	return bad
}

// 3.3.1 Error Identification, 4.1.3 Status Messages: a wrong name or
// password is announced and tied to both fields (which one is wrong is not
// said, on purpose); an expired login form is announced and marks no field.
func TestA11yLoginErrorTiedToFields(t *testing.T) {
	e := newEnv(t)
	e.user("kari", "compliance", "964338531", "")
	b := e.browser()
	_, page := b.getIn("nb", "/login")
	code, _, body := b.post("/login", url.Values{"name": {"kari"}, "password": {"feil"}, "login_csrf": {csrf(page)}, "next": {"/"}})
	if code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	for _, s := range errorTied(parse(t, body), "login-err", "name", "password") {
		t.Errorf("wrong login: %s (WCAG 3.3.1, 4.1.3)", s)
	}
	code, _, body = b.post("/login", url.Values{"name": {"kari"}, "password": {"feil"}, "login_csrf": {"stale"}, "next": {"/"}})
	if code == http.StatusSeeOther {
		t.Fatalf("stale login form: %d", code)
	}
	for _, s := range errorTied(parse(t, body), "login-err") {
		t.Errorf("expired login form: %s (WCAG 4.1.3)", s)
	}
}

// 3.3.1 Error Identification: the search's error is announced and tied to
// the field that is wrong: the recipient, or the date that is not one.
func TestA11ySearchErrorTiedToField(t *testing.T) {
	b, _, _ := a11yPages(t)
	for _, c := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"recipient": {"123"}}, "recipient"},
		{url.Values{"recipient": {"974760673"}, "from": {"2026-01-01"}, "to": {"31.12.26"}}, "to"},
	} {
		_, page := b.get("/search")
		c.form.Set("csrf", csrf(page))
		code, _, body := b.post("/search", c.form)
		if code != http.StatusBadRequest {
			t.Fatalf("%v: %d", c.form, code)
		}
		for _, s := range errorTied(parse(t, body), "search-err", c.field) {
			t.Errorf("search, %s wrong: %s (WCAG 3.3.1)", c.field, s)
		}
	}
}

// 3.3.2 Labels or Instructions: the incident report's dates are typed
// (text fields, any of the formats the report reads); the format asked
// for is part of the visible label, not only a placeholder that goes
// when the field is filled in. So is what the organisation field wants.
func TestA11yIncidentFormatInLabel(t *testing.T) {
	b, _, _ := a11yPages(t)
	_, page := b.getIn("da", "/incidents")
	doc := parse(t, page)
	want := map[string]string{"from": "ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ", "to": "ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ", "org": "CVR-/organisationsnummer"}
	for _, c := range controls(doc) {
		name, _ := attr(c, "name")
		if w, ok := want[name]; ok {
			delete(want, name)
			if l := visibleLabel(doc, c); !strings.Contains(l, w) {
				t.Errorf("/incidents %s: visible label %q lacks %q (WCAG 3.3.2)", name, l, w)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("/incidents has no fields %v", want)
	}
}

// 2.4.4 Link Purpose (In Context): the overview's cards end in links such
// as "see the list"; their purpose is told by the card's number and text
// only when the card is a list item (or paragraph) around the link.
func TestA11yOverviewCardLinksInContext(t *testing.T) {
	b, _, _ := a11yPages(t)
	_, page := b.get("/")
	doc := parse(t, page)
	var cards int
	for _, a := range elements(doc, "a") {
		if card := inside(a, "li"); card != nil {
			if cl, _ := attr(card, "class"); strings.Contains(cl, "card") {
				cards++
			}
			continue
		}
		for p := a.Parent; p != nil; p = p.Parent {
			if cl, _ := attr(p, "class"); p.Type == html.ElementNode && strings.Contains(" "+cl+" ", " card ") {
				t.Errorf("overview: card link %q is not in a list item (WCAG 2.4.4)", text(a))
				break
			}
		}
	}
	if cards == 0 {
		t.Error("overview: no card links in list items (WCAG 2.4.4)")
	}
}

// 1.4.1 Use of Color: a letter's state and stage and an alert's severity
// are words in their badges, the colour only repeats them. 3.1.2 Language
// of Parts: on Settings each language is named in itself (Norsk bokmål,
// Dansk, English), marked with its lang so a screen reader says it right.
func TestA11yBadgesAndLanguageChoices(t *testing.T) {
	b, pages, _ := a11yPages(t)
	pills := 0
	for _, p := range pages {
		_, page := b.get(p)
		for _, n := range elements(parse(t, page), "span") {
			if cl, _ := attr(n, "class"); strings.HasPrefix(cl, "pill") {
				pills++
				if text(n) == "" {
					t.Errorf("%s: badge %q has no text, only its colour (WCAG 1.4.1)", p, cl)
				}
			}
		}
	}
	if pills == 0 {
		t.Error("no badges on the pages")
	}
	for _, lang := range i18n.Languages {
		_, page := b.getIn(lang, "/settings")
		got := map[string]bool{}
		for _, o := range elements(parse(t, page), "option") {
			v, _ := attr(o, "value")
			l, _ := attr(o, "lang")
			if v != "" && l != v {
				t.Errorf("%s /settings: language choice %q (%s) has lang %q (WCAG 3.1.2)", lang, v, text(o), l)
			}
			got[v] = true
		}
		for _, want := range i18n.Languages {
			if !got[want] {
				t.Errorf("%s /settings: no choice of %s", lang, want)
			}
		}
	}
}

// 3.3.1 Error Identification, 3.1.2: a refused change of a unit's
// addresses shows that unit's form again as it was filled in, the problem
// in it in the page's language, naming the field by its label and tied to
// it; it was "manager_email: \"x\" is not a plain e-mail address" in
// English above the table, the typed address gone.
func TestA11yUnitAddressErrorTiedToField(t *testing.T) {
	e := newEnv(t)
	e.seed(2)
	b := e.loggedIn("admin", "admin", "", "")
	_, page := b.get("/admin/units")
	us, _ := e.st.Units(context.Background(), store.Scope{})
	form := url.Values{"csrf": {csrf(page)}, "contact_email": {"nav@bergen.kommune.no"}, "manager_email": {"leder(at)bergen"}}
	resp, body := b.request("POST", fmt.Sprintf("/admin/units/%d", us[1].ID), form, http.Header{"Accept-Language": {languages["nb"]}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad address: %d", resp.StatusCode)
	}
	doc := parse(t, string(body))
	var f *html.Node
	for _, n := range elements(doc, "form") {
		if a, _ := attr(n, "action"); a == fmt.Sprintf("/admin/units/%d", us[1].ID) {
			f = n
		}
	}
	if f == nil {
		t.Fatalf("no form for unit %d", us[1].ID)
	}
	for _, s := range errorTied(f, "unit-err", "manager_email") {
		t.Errorf("unit change refused: %s (WCAG 3.3.1)", s)
	}
	if page := string(body); !strings.Contains(page, "Lederens adresse: «leder(at)bergen»") || strings.Contains(page, "not a plain") ||
		!strings.Contains(page, `value="nav@bergen.kommune.no"`) {
		t.Errorf("the problem is not said in bokmål by the field's label, or the form is not as filled in:\n%s", page)
	}
}

// 3.3.1 Error Identification, 3.3.3 Error Suggestion, 3.1.2: a refused
// incident filter shows the form again as filled in, the problem in it in
// the page's language, naming the field by its label, announced and tied
// to it; it was an error page naming the query parameter ("from: …", "org
// must be an organisation number"), the form gone.
func TestA11yIncidentErrorTiedToField(t *testing.T) {
	b, _, _ := a11yPages(t)
	for _, c := range []struct{ query, field, says string }{
		{"from=2026-13-01&to=2026-12-31", "from", `Sendt fra: "2026-13-01" er hverken en dato`},
		{"from=2026-01-01&to=31.12.26", "to", `til: "31.12.26" er hverken en dato`},
		{"from=&to=2026-01-01", "from", "Sendt fra: angiv en dato (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)."},
		{"from=2026-02-01&to=2026-01-01", "from", "Periodens start (Sendt fra) skal være før slutningen (til)."},
		{"from=2026-01-01&to=2026-02-01&org=12", "org", "Modtagende organisation: angiv et CVR-/organisationsnummer."},
	} {
		code, page := b.getIn("da", "/incidents?"+c.query)
		if code != http.StatusBadRequest {
			t.Fatalf("%s: %d", c.query, code)
		}
		doc := parse(t, page)
		for _, s := range errorTied(doc, "incident-err", c.field) {
			t.Errorf("%s: %s (WCAG 3.3.1)", c.query, s)
		}
		var said string
		walk(doc, func(n *html.Node) {
			if id, _ := attr(n, "id"); id == "incident-err" {
				said = text(n)
			}
		})
		if !strings.Contains(said, c.says) {
			t.Errorf("%s: the problem says %q, want %q (WCAG 3.3.1, 3.1.2)", c.query, said, c.says)
		}
		q, _ := url.ParseQuery(c.query)
		for _, in := range controls(doc) {
			name, _ := attr(in, "name")
			if v, _ := attr(in, "value"); in.Data == "input" && q.Has(name) && v != q.Get(name) {
				t.Errorf("%s: %s shows %q, not what was typed", c.query, name, v)
			}
		}
	}
}
