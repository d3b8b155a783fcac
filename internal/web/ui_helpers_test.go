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
	resp, body := b.request("GET", path, nil, nil)
	return resp.StatusCode, string(body)
}

// request sends a request with these headers (and form as its body when
// not nil) and returns the response, its body read and closed.
func (b *browser) request(method, path string, form url.Values, header http.Header) (*http.Response, []byte) {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.e.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp, got
}

// languages are the Accept-Language headers of browsers set to each of
// postvakt's languages.
var languages = map[string]string{"nb": "nb-NO,nb;q=0.9", "da": "da-DK", "en": "en-GB"}

// doIn sends a request as a browser set to the languages acceptLanguage
// names, returning the status and the page unescaped.
func (b *browser) doIn(acceptLanguage, method, path string, form url.Values) (int, string) {
	b.e.t.Helper()
	resp, body := b.request(method, path, form, http.Header{"Accept-Language": {acceptLanguage}})
	return resp.StatusCode, html.UnescapeString(string(body))
}

// getIn fetches path with the browser's language set to lang (nb, da, en),
// returning the status and the page as sent.
func (b *browser) getIn(lang, path string) (int, string) {
	b.e.t.Helper()
	resp, body := b.request("GET", path, nil, http.Header{"Accept-Language": {languages[lang]}})
	return resp.StatusCode, string(body)
}

// download fetches a file as a browser set to Norwegian bokmål and fails
// the test unless it is there.
func (b *browser) download(path string) []byte {
	b.e.t.Helper()
	resp, body := b.request("GET", path, nil, http.Header{"Accept-Language": {"nb-NO"}})
	if resp.StatusCode != http.StatusOK {
		b.e.t.Fatalf("%s: %d %.300s", path, resp.StatusCode, body)
	}
	return body
}

// post submits a form and returns status, Location and body.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.e.t.Helper()
	resp, body := b.request("POST", path, form, nil)
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
		if a.Actor == actor && string(a.Action) == action && strings.Contains(a.Object, obj) {
			return true
		}
	}
	return false
}

// refusals counts the audit log's refusals (action forbidden).
func (e *env) refusals() int {
	e.t.Helper()
	var n int
	if err := e.st.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'forbidden'`); err != nil {
		e.t.Fatal(err)
	}
	return n
}
