package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lib/pq"

	"postvakt/internal/web"
)

// An XLSX export of more letters than a sheet may hold (WithMaxXLSXRows,
// 2 here) is refused before anything is sent: the API's incident report
// with JSON and the stable code too_many_rows (not the UI's page), the
// UI's exports with a page in the reader's language naming the limit. At
// the limit the XLSX is sent; CSV has no limit.
func TestXLSXTooManyRows(t *testing.T) {
	e := newEnvWith(t, web.WithMaxXLSXRows(2))
	e.seed(3) // Barnevernstjenesten, NAV, Barnevernstjenesten
	tok := e.token("compliance", "964338531", "")
	q := url.Values{"from": {now.AddDate(0, 0, -60).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}}

	resp, body := e.request("GET", "/api/v1/incidents/report?"+q.Encode()+"&format=xlsx", tok)
	var out map[string]any
	if err := json.Unmarshal(body, &out); resp.StatusCode != http.StatusBadRequest || err != nil ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || out["code"] != "too_many_rows" {
		t.Fatalf("API XLSX of 3 letters, 2 allowed: %d %s %.300s; want 400 JSON with code too_many_rows",
			resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if msg, _ := out["error"].(string); !strings.Contains(msg, "more than 2 letters") {
		t.Errorf("the error %q does not name the limit, 2", msg)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "" {
		t.Errorf("the refusal is sent as a file: Content-Disposition %q", cd)
	}
	for _, format := range []string{"csv", "json"} {
		if resp, body := e.request("GET", "/api/v1/incidents/report?"+q.Encode()+"&format="+format, tok); resp.StatusCode != http.StatusOK {
			t.Errorf("API %s of 3 letters: %d %.200s, want 200 (no limit)", format, resp.StatusCode, body)
		}
	}
	bv := url.Values{"unit": {"Barnevernstjenesten"}}
	for k, v := range q {
		bv[k] = v
	}
	if resp, body := e.request("GET", "/api/v1/incidents/report?"+bv.Encode()+"&format=xlsx", tok); resp.StatusCode != http.StatusOK {
		t.Errorf("API XLSX of 2 letters, 2 allowed: %d %.200s, want 200", resp.StatusCode, body)
	}

	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, path := range []string{"/incidents/export?" + q.Encode() + "&format=xlsx", "/export?list=unopened&format=xlsx"} {
		code, page := b.getIn("nb", path)
		if code != http.StatusBadRequest || !strings.Contains(page, "mer enn 2 brev") || !strings.Contains(page, "<html") {
			t.Errorf("UI %s of 3 letters: %d %.300s; want 400, a page saying more than 2", path, code, page)
		}
	}
	if code, _ := b.getIn("nb", "/incidents/export?"+bv.Encode()+"&format=xlsx"); code != http.StatusOK {
		t.Errorf("UI incident XLSX of 2 letters: %d, want 200", code)
	}
}

// The too-many-rows answer says what the export's rows are: the audit
// log's are audit log entries (not letters), the follow-ups' follow-ups, a
// list's letters, in the reader's language (nb, da, en), naming the limit.
func TestXLSXTooManyRowsSaysWhatRows(t *testing.T) {
	e := newEnvWith(t, web.WithMaxXLSXRows(2))
	got := e.seed(3)
	e.st.DB().MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline)
		SELECT id, sender_unit_id, 'unread', $2 FROM shipments WHERE id = ANY($1)`,
		pq.Array([]string{got[0].ID, got[1].ID, got[2].ID}), now)
	b := e.loggedIn("anna", "admin", "", "")
	b.get("/") // the audit log holds more than 2 entries: the logins and the views
	b.get("/unopened")
	b.get("/audit")
	for _, tc := range []struct{ path, lang, want, not string }{
		{"/audit/export?format=xlsx", "nb", "mer enn 2 oppføringer i tilgangsloggen", "2 brev"},
		{"/audit/export?format=xlsx", "da", "mere end 2 poster i adgangsloggen", "2 breve"},
		{"/audit/export?format=xlsx", "en", "more than 2 audit log entries", "2 letters"},
		{"/followups/export?format=xlsx", "nb", "mer enn 2 oppfølginger", "2 brev"},
		{"/followups/export?format=xlsx", "da", "mere end 2 opfølgninger", "2 breve"},
		{"/followups/export?format=xlsx", "en", "more than 2 follow-ups", "2 letters"},
		{"/export?list=unopened&format=xlsx", "da", "mere end 2 breve", "poster i adgangsloggen"},
		{"/export?list=unopened&format=xlsx", "en", "more than 2 letters", "audit log entries"},
	} {
		code, page := b.getIn(tc.lang, tc.path)
		if code != http.StatusBadRequest || !strings.Contains(page, tc.want) || strings.Contains(page, tc.not) {
			t.Errorf("%s %s: %d %.400s\nwant 400 saying %q, not %q", tc.lang, tc.path, code, page, tc.want, tc.not)
		}
	}
}

// The UI's incident export answers a filter it refuses as the incident
// page does: with the form again as filled in and the problem in it, tied
// to the field it is about (400, HTML), not an error page nor JSON; the
// API's answer to the same request is JSON with a code.
func TestIncidentExportRefusedFilter(t *testing.T) {
	e := newEnv(t)
	e.seed(1)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, tc := range []struct {
		name, query, field, text string
	}{
		{"a date that is none", "from=2026-13-45&to=2026-11-23&format=csv", "from", "2026-13-45"},
		{"an unknown state", "from=2026-10-01&to=2026-11-23&state=lost&format=xlsx", "state", "lost"},
		{"an unknown format", "from=2026-10-01&to=2026-11-23&format=pdf", "", "pdf"},
	} {
		resp, body := b.request("GET", "/incidents/export?"+tc.query, nil, http.Header{"Accept-Language": {"nb-NO"}})
		page := string(body)
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(page, `id="incident-form"`) || !strings.Contains(page, `id="incident-err"`) || !strings.Contains(page, tc.text) {
			t.Errorf("%s: %d %s %.400s\nwant 400 with the incident form and its problem naming %q", tc.name, resp.StatusCode,
				resp.Header.Get("Content-Type"), page, tc.text)
			continue
		}
		if tc.field != "" && !strings.Contains(page, `name="`+tc.field+`"`) {
			t.Errorf("%s: the form lacks the field %s", tc.name, tc.field)
		}
		if tc.field != "" && !regexpInvalid(tc.field).MatchString(page) {
			t.Errorf("%s: the field %s is not marked invalid", tc.name, tc.field)
		}
		if strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: the refusal is sent as a file", tc.name)
		}
	}
	tok := e.token("compliance", "964338531", "")
	code, out := e.do("GET", "/api/v1/incidents/report?from=2026-13-45&to=2026-11-23", tok, "")
	if code != http.StatusBadRequest || out["code"] != "bad_request" {
		t.Errorf("API, a date that is none: %d %v, want 400 JSON with code bad_request", code, out)
	}
}

// request does a request with a bearer token (none when empty) and returns
// the response and its body.
func (e *env) request(method, path, token string) (*http.Response, []byte) {
	e.t.Helper()
	b := e.browser()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return b.request(method, path, nil, h)
}

// regexpInvalid matches a form field named name marked aria-invalid.
func regexpInvalid(name string) *regexp.Regexp {
	return regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*aria-invalid="true"`)
}

// The too-many-rows page writes its limit as a count on a page is
// written (nb "1 000", da "1.000", en "1,000"), as the real one's
// 1,048,575 is read.
func TestXLSXTooManyRowsLimitGrouped(t *testing.T) {
	e := newEnvWith(t, web.WithMaxXLSXRows(1000))
	registerMany(t, e, 1001)
	b := e.loggedIn("anna", "admin", "", "")
	for _, tc := range []struct{ lang, want string }{
		{"nb", "mer enn 1\u00a0000 brev"},
		{"da", "mere end 1.000 breve"},
		{"en", "more than 1,000 letters"},
	} {
		code, page := b.getIn(tc.lang, "/export?list=all&format=xlsx")
		if code != http.StatusBadRequest || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d %.600s\nwant 400 saying %q", tc.lang, code, page[strings.Index(page, "<main"):], tc.want)
		}
	}
}
