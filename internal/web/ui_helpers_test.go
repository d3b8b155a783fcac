package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// user creates a user with a known password.
func (e *env) user(name, role, org, unit string) string {
	e.t.Helper()
	pw := "correct horse battery " + name
	h, err := auth.HashPassword(pw)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateUser(context.Background(), store.User{Name: name, PasswordHash: h, Role: role, SenderOrg: org, Unit: unit}); err != nil {
		e.t.Fatal(err)
	}
	return pw
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var hiddenRE = regexp.MustCompile(`name="(csrf|login_csrf)" value="([^"]+)"`)

// get returns status and body.
func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	resp, err := b.c.Get(b.e.srv.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// doIn sends a request as a browser set to the languages acceptLanguage
// names, returning the status and the page unescaped.
func (b *browser) doIn(acceptLanguage, method, path string, form url.Values) (int, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest(method, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", acceptLanguage)
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(body))
}

// post submits a form and returns status, Location and body.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.e.t.Helper()
	resp, err := b.c.PostForm(b.e.srv.URL+path, form)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// csrf finds the CSRF token in a page.
func csrf(page string) string {
	if m := hiddenRE.FindStringSubmatch(page); m != nil {
		return m[2]
	}
	return ""
}

// login logs in and fails the test when it does not work.
func (b *browser) login(name, password string) {
	b.e.t.Helper()
	_, page := b.get("/login")
	code, loc, body := b.post("/login", url.Values{"name": {name}, "password": {password}, "login_csrf": {csrf(page)}, "next": {"/"}})
	if code != http.StatusSeeOther {
		b.e.t.Fatalf("login as %s: %d %s", name, code, body)
	}
	_ = loc
}

// loggedIn creates the user name with role, org and unit and returns a
// new browser logged in as them.
func (e *env) loggedIn(name, role, org, unit string) *browser {
	e.t.Helper()
	b := e.browser()
	b.login(name, e.user(name, role, org, unit))
	return b
}

// seed registers shipments: for two units of one sender org, to two
// organisations and a person; returns them in order.
func (e *env) seed(n int) []store.Shipment {
	e.t.Helper()
	recips := []struct{ kind, id string }{{"org", "974760673"}, {"org", "964338531"}, {"person", "01017012343"}}
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		unit := "Barnevernstjenesten"
		if i%2 == 1 {
			unit = "NAV"
		}
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID("seed", i),
			SenderOrg: "964338531", SenderUnit: unit, RecipientKind: recips[i%3].kind, RecipientID: recips[i%3].id,
			Title: "Vedtak om tiltak", Confidential: true, Class: "taushetsbelagt",
			SentAt: now.Add(-time.Duration(40-i) * 24 * time.Hour)})
	}
	got, _, err := e.st.Register(context.Background(), items, store.SourceAPI, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// audited says whether the audit log has an entry with this actor, action
// and an object containing obj.
func (e *env) audited(actor, action, obj string) bool {
	e.t.Helper()
	entries, err := e.st.AuditEntries(context.Background(), "", 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range entries {
		if a.Actor == actor && a.Action == action && strings.Contains(a.Object, obj) {
			return true
		}
	}
	return false
}
