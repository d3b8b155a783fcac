package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/logtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

var linkRE = regexp.MustCompile(`(?:href|action)="([^"]*)"`)

// TestSearchKeepsPersonIDsOutOfURLs: a search is a CSRF-protected POST
// that redirects to the list by the recipient's row id; no link, form or
// redirect carries the person id.
func TestSearchKeepsPersonIDsOutOfURLs(t *testing.T) {
	const person = "01017012343"
	e := newEnv(t)
	e.seed(6)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, form := b.get("/search")
	if !strings.Contains(form, `method="post" action="/search"`) || csrf(form) == "" {
		t.Fatalf("the search form is not a POST with a CSRF token:\n%s", form)
	}
	if code, _, _ := b.post("/search", url.Values{"recipient": {person}}); code != http.StatusForbidden {
		t.Fatalf("search without CSRF token: %d, want 403", code)
	}
	code, loc, body := b.post("/search", url.Values{"csrf": {csrf(form)}, "recipient": {person}, "from": {"2026-01-01"}, "to": {"2026-12-31"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/list?") || strings.Contains(loc, person) || strings.Contains(loc, "recipient") {
		t.Fatalf("search: %d %q %.300s", code, loc, body)
	}
	u, _ := url.Parse(loc)
	if q := u.Query(); q.Get("list") != "search" || q.Get("rid") == "" || q.Get("from") != "2026-01-01" || q.Get("to") != "2026-12-31" {
		t.Fatalf("search redirect %q", loc)
	}
	code, page := b.get(loc)
	if code != http.StatusOK || !strings.Contains(page, "Shipments to one recipient — 010170*****") || strings.Count(page, `class="evidence"`) != 2 {
		t.Fatalf("search list: %d\n%s", code, page)
	}
	if strings.Contains(page, person) {
		t.Fatal("the search list shows the person id")
	}
	var exports int
	for _, m := range linkRE.FindAllStringSubmatch(page, -1) {
		link := strings.ReplaceAll(m[1], "&amp;", "&")
		if strings.Contains(link, person) || strings.Contains(link, "recipient=") {
			t.Errorf("link carries the recipient: %s", link)
		}
		if strings.HasPrefix(link, "/export?") {
			exports++
			if !strings.Contains(link, "rid=") {
				t.Errorf("export link lost the recipient: %s", link)
			}
		}
	}
	if exports != 2 {
		t.Errorf("%d export links, want 2", exports)
	}
	if !e.audited("user:kari", "search", "recipient=010170*****") {
		t.Error("search not audited with the masked id")
	}
	// An organisation number is searched the same way.
	if code, loc, _ := b.post("/search", url.Values{"csrf": {csrf(form)}, "recipient": {"974760673"}}); code != http.StatusSeeOther || !strings.Contains(loc, "rid=") || strings.Contains(loc, "974760673") {
		t.Errorf("org search: %d %q", code, loc)
	}
	// A person id in a URL is refused, not carried on.
	for _, path := range []string{"/list?list=search&recipient=" + person, "/unopened?recipient=" + person, "/export?format=csv&list=search&recipient=" + person} {
		if code, page := b.get(path); code != http.StatusBadRequest || strings.Contains(page, person) {
			t.Errorf("%s: %d, want 400 without the id", path, code)
		}
	}
	if code, page := b.get("/search?recipient=" + person); code != http.StatusOK || strings.Contains(page, person) {
		t.Errorf("GET /search with a recipient: %d", code)
	}
	// Bad input is answered on the form.
	if code, _, page := b.post("/search", url.Values{"csrf": {csrf(form)}, "recipient": {"12345"}}); code != http.StatusBadRequest || !strings.Contains(page, "Give an organisation number or a person id") {
		t.Errorf("bad recipient: %d", code)
	}
	// An officer of another organisation learns nothing about the person.
	eva := e.loggedIn("eva", "compliance", "974760673", "")
	_, form = eva.get("/search")
	if code, loc, page := eva.post("/search", url.Values{"csrf": {csrf(form)}, "recipient": {person}}); code != http.StatusOK || loc != "" || !strings.Contains(page, `id="none"`) || strings.Contains(page, person) {
		t.Errorf("search outside the scope: %d %q", code, loc)
	}
	// The login redirect keeps the path only.
	anon := e.browser()
	if code, _ := anon.get("/list?list=search&recipient=" + person); code != http.StatusSeeOther {
		t.Fatalf("anonymous list: %d", code)
	}
	resp, _ := anon.request("GET", "/list?list=unopened&unit=NAV", nil, nil)
	if loc := resp.Header.Get("Location"); loc != "/login?next=%2Flist" {
		t.Errorf("login redirect %q, want the path only", loc)
	}
}

// TestLoginNextStaysOnSite: a crafted next never leads off the site.
func TestLoginNextStaysOnSite(t *testing.T) {
	e := newEnv(t)
	pw := e.user("kari", "compliance", "964338531", "")
	for _, next := range []string{"/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example"} {
		b := e.browser()
		_, page := b.get("/login?next=" + url.QueryEscape(next))
		if strings.Contains(page, "evil.example") {
			t.Errorf("login page carries next %q", next)
		}
		code, loc, _ := b.post("/login", url.Values{"name": {"kari"}, "password": {pw}, "login_csrf": {csrf(page)}, "next": {next}})
		if code != http.StatusSeeOther || loc != "/" {
			t.Errorf("login with next %q: %d %q, want /", next, code, loc)
		}
	}
}

// TestProtectTakesTokensAndSessions: what Protect guards (/metrics) needs
// an operations or admin principal, by bearer token or session, that sees
// every sender organisation.
func TestProtectTakesTokensAndSessions(t *testing.T) {
	e, srv := metricsEnv(t)
	get := func(b *browser, token string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		c := http.DefaultClient
		if b != nil {
			c = b.c
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 && !strings.Contains(string(body), "postvakt_up") {
			t.Fatalf("metrics body %q", body)
		}
		return resp.StatusCode
	}
	ops := e.loggedIn("ops", "operations", "", "")
	comp := e.loggedIn("kari", "compliance", "964338531", "")
	for _, tc := range []struct {
		name  string
		b     *browser
		token string
		want  int
	}{
		{"nobody", nil, "", http.StatusUnauthorized},
		{"unknown token", nil, "pvt_nope", http.StatusUnauthorized},
		{"operations token", nil, e.token("operations", "", ""), http.StatusOK},
		{"admin token", nil, e.token("admin", "", ""), http.StatusOK},
		{"compliance token", nil, e.token("compliance", "964338531", ""), http.StatusForbidden},
		{"scoped admin token", nil, e.token("admin", "964338531", ""), http.StatusForbidden},
		{"scoped operations token", nil, e.token("operations", "964338531", ""), http.StatusForbidden},
		{"operations session", ops, "", http.StatusOK},
		{"compliance session", comp, "", http.StatusForbidden},
	} {
		if got := get(tc.b, tc.token); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if !e.audited("token:compliance-test", "forbidden", "/metrics") {
		t.Error("refusal not audited")
	}
}

// TestPrintBatchThatChangedIsNotDecided: a print that joins a batch after
// the officer looked at it stops the release; nothing is sent, and the
// officer is told to look again.
func TestPrintBatchThatChangedIsNotDecided(t *testing.T) {
	ctx := context.Background()
	e := newPrintEnv(t)
	got := e.seed(4)
	db := e.st.DB()
	var batch int64
	if err := db.GetContext(ctx, &batch, `INSERT INTO print_batches (policy, created_at) VALUES ('taushetsbelagt', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	hold := func(sh store.Shipment) {
		db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
			VALUES ($1, 'taushetsbelagt', true, $2, 'held', $3, $4, $4)`, sh.ID, "k-"+sh.ID, batch, now)
	}
	hold(got[0])
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get(fmt.Sprintf("/print/%d", batch))
	form := formOf(t, page, fmt.Sprintf("/print/%d/release", batch))
	if form.Get("shipments") != "1" || form.Get("digest") == "" {
		t.Fatalf("release form does not say what was seen: %v", form)
	}
	hold(got[1]) // joins while the officer reads
	code, _, body := b.post(fmt.Sprintf("/print/%d/release", batch), form)
	if code != http.StatusConflict || !strings.Contains(body, "The batch changed since you looked at it") {
		t.Fatalf("release of a changed batch: %d\n%.500s", code, body)
	}
	var state string
	var released int
	db.Get(&state, `SELECT state FROM print_batches WHERE id = $1`, batch)
	db.Get(&released, `SELECT count(*) FROM print_orders WHERE state IN ('lookup', 'queued')`)
	if state != "held" || released != 0 {
		t.Fatalf("batch %s, %d released after a refused release", state, released)
	}
	// Without what was seen, nothing is decided either.
	if code, _, _ := b.post(fmt.Sprintf("/print/%d/reject", batch), url.Values{"csrf": {form.Get("csrf")}}); code != http.StatusBadRequest {
		t.Errorf("reject without the seen batch: %d, want 400", code)
	}
	// Looking again shows both; releasing them works.
	_, page = b.get(fmt.Sprintf("/print/%d", batch))
	form = formOf(t, page, fmt.Sprintf("/print/%d/release", batch))
	if code, loc, body := b.post(fmt.Sprintf("/print/%d/release", batch), form); code != http.StatusSeeOther || loc != fmt.Sprintf("/print/%d", batch) {
		t.Fatalf("release as seen: %d %.300s", code, body)
	}
	db.Get(&state, `SELECT state FROM print_batches WHERE id = $1`, batch)
	db.Get(&released, `SELECT count(*) FROM print_orders WHERE state IN ('lookup', 'queued')`)
	if state != "released" || released != 2 {
		t.Fatalf("batch %s, %d released, want released and 2", state, released)
	}
	if !e.audited("user:kari", "print_release_refused", "print_batch") || !e.audited("user:kari", "print_release", "print_batch") {
		t.Error("decisions not audited")
	}
}

var formRE = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)">(.*?)</form>`)
var inputRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formOf returns the hidden fields of the form posting to action.
func formOf(t *testing.T, page, action string) url.Values {
	t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		if m[1] == action {
			v := url.Values{}
			for _, in := range inputRE.FindAllStringSubmatch(m[2], -1) {
				v.Set(in[1], in[2])
			}
			return v
		}
	}
	t.Fatalf("no form to %s in\n%s", action, page)
	return nil
}

// TestSummaryByUnitShowsUnitNames: a unit's name is shown as it is; by
// recipient no person is listed.
func TestSummaryByUnitShowsUnitNames(t *testing.T) {
	e := newEnv(t)
	e.seed(6)
	tok := e.token("compliance", "964338531", "")
	keys := func(by string) []string {
		code, out := e.do("GET", "/api/v1/summary?by="+by, tok, "")
		if code != 200 {
			t.Fatalf("summary by %s: %d %v", by, code, out)
		}
		var ks []string
		for _, g := range out["groups"].([]any) {
			ks = append(ks, g.(map[string]any)["key"].(string))
		}
		return ks
	}
	if ks := fmt.Sprint(keys("unit")); !strings.Contains(ks, "Barnevernstjenesten") || !strings.Contains(ks, "NAV") || strings.Contains(ks, "*") {
		t.Errorf("units: %s", ks)
	}
	// By recipient the groups are organisations; the person is counted in
	// persons_shipments, not listed, masked or not.
	if ks := fmt.Sprint(keys("recipient")); strings.Contains(ks, "010170") || !strings.Contains(ks, "974760673") {
		t.Errorf("recipients: %s", ks)
	}
}

// TestFailedLoginsAreThrottled: five wrong passwords for a name, and the
// sixth attempt is refused even with the right one; other names are not.
func TestFailedLoginsAreThrottled(t *testing.T) {
	e := newEnv(t)
	pw := e.user("kari", "compliance", "964338531", "")
	olapw := e.user("ola", "unit", "964338531", "NAV")
	b := e.browser()
	try := func(name, password string) (int, string) {
		_, page := b.get("/login")
		code, _, body := b.post("/login", url.Values{"name": {name}, "password": {password}, "login_csrf": {csrf(page)}})
		return code, body
	}
	for i := range 5 {
		if code, _ := try("kari", "wrong wrong wrong"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, code)
		}
	}
	code, body := try("Kari", pw)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed logins") || !strings.Contains(body, "Try again in 15 minutes") {
		t.Fatalf("sixth attempt: %d\n%.400s", code, body)
	}
	if code, _ := try("ola", olapw); code != http.StatusSeeOther {
		t.Fatalf("another user from the same address: %d", code)
	}
	if !e.audited("user:Kari", "login_throttled", "") {
		t.Error("refused login not audited")
	}
}

// failingAudit is a store whose audit log refuses login entries.
type failingAudit struct{ *store.Store }

func (f failingAudit) Audit(ctx context.Context, e store.AuditEntry) error {
	if strings.HasPrefix(string(e.Action), "login") {
		return errors.New("audit log unavailable")
	}
	return f.Store.Audit(ctx, e)
}

// TestLoginAuditFailuresAreLogged: a login whose audit entry cannot be
// written says so in the log.
func TestLoginAuditFailuresAreLogged(t *testing.T) {
	st := storetest.Open(t)
	logs := &logtest.Buffer{}
	srv := httptest.NewServer(web.New(failingAudit{st}, slog.New(slog.NewTextHandler(logs, nil)), func() time.Time { return now }))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, st: st, log: &logtest.Buffer{}}
	pw := e.user("kari", "compliance", "964338531", "")
	b := e.browser()
	_, page := b.get("/login")
	if code, _, _ := b.post("/login", url.Values{"name": {"kari"}, "password": {"wrong wrong wrong"}, "login_csrf": {csrf(page)}}); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	b.login("kari", pw)
	out := logs.String()
	for _, action := range []string{"login_failed", "login"} {
		if !strings.Contains(out, `msg="audit log write failed" action=`+action+" ") || !strings.Contains(out, "audit log unavailable") {
			t.Errorf("failed audit write of %s not logged:\n%s", action, out)
		}
	}
}

// TestProtectedAnswersCarrySecurityHeaders: what Protect guards (/metrics,
// served beside the pages, outside their ServeHTTP) answers with the
// pages' security headers, its refusals too: a browser with an operator's
// session opens it as any page.
func TestProtectedAnswersCarrySecurityHeaders(t *testing.T) {
	e, srv := metricsEnv(t)
	for _, tc := range []struct {
		name  string
		token string
		want  int
	}{
		{"nobody", "", http.StatusUnauthorized},
		{"compliance token", e.token("compliance", "964338531", ""), http.StatusForbidden},
		{"operations token", e.token("operations", "", ""), http.StatusOK},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "no-referrer"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s %q, want %q", tc.name, h, got, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", tc.name, csp)
		}
	}
}

// metricsEnv serves the UI with /metrics beside it, guarded by Protect
// for operations (as serve does), on a new database.
func metricsEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	st := storetest.Open(t)
	logBuf := &logtest.Buffer{}
	ws := web.New(st, slog.New(slog.NewTextHandler(logBuf, nil)), func() time.Time { return now })
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", ws.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "postvakt_up 1")
	}), auth.ViewOperations))
	mux.Handle("/", ws)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, st: st, log: logBuf}, srv
}
