package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// send makes one request with a bearer token, the given Content-Type (none
// when empty) and body, and returns the status and the body as read.
func (e *env) send(method, path, token, contentType, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A letter of another sending unit or organisation is answered exactly as
// an id that names nothing, by every path that takes a letter's id (the
// letter, its evidence JSON, its follow-up read and recorded): 404 with the
// same body; a 403 would tell the caller the id exists elsewhere. The
// attempt is still audited as a refusal, and nothing is recorded.
func TestOtherScopesLetterIsNotFound(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2) // 0 Barnevernstjenesten, 1 NAV, both of 964338531
	const none = "0190a000-0000-7000-8000-000000000000"
	for _, tok := range []struct{ name, token, actor string }{
		{"NAV's unit token", e.token("unit", "964338531", "NAV"), "token:unit-test"},
		{"another organisation's officer", e.token("compliance", "974760673", ""), "token:compliance-test"},
	} {
		theirs := got[0].ID
		for _, rq := range []struct{ method, path, body string }{
			{"GET", "/api/v1/shipments/%s", ""},
			{"GET", "/api/v1/shipments/%s/followup", ""},
			{"POST", "/api/v1/shipments/%s/followup", `{"decision":"closed"}`},
			{"GET", "/shipments/%s/evidence.json", ""},
		} {
			ct := ""
			if rq.body != "" {
				ct = "application/json"
			}
			code, body := e.send(rq.method, strings.Replace(rq.path, "%s", theirs, 1), tok.token, ct, rq.body)
			noCode, noBody := e.send(rq.method, strings.Replace(rq.path, "%s", none, 1), tok.token, ct, rq.body)
			if code != http.StatusNotFound || code != noCode || body != noBody {
				t.Errorf("%s, %s %s of another unit: %d %.200s\nwant as for no such letter: %d %.200s",
					tok.name, rq.method, rq.path, code, body, noCode, noBody)
			}
			if !e.audited(tok.actor, "forbidden", strings.Replace(rq.path, "%s", theirs, 1)) {
				t.Errorf("%s, %s %s of another unit: the attempt was not audited", tok.name, rq.method, rq.path)
			}
		}
	}
	admin := e.token("admin", "", "")
	if code, out := e.do("GET", "/api/v1/shipments/"+got[0].ID+"/followup", admin, ""); code != http.StatusNotFound ||
		!strings.Contains(out["error"].(string), "no follow-up") {
		t.Errorf("the other unit's letter got a follow-up: %d %v", code, out)
	}
}

// The incident report's refusal of a unit the token is not scoped to is
// decided by the query alone: a unit with letters and one without any are
// refused alike, so that the answer tells nothing of another unit's
// letters.
func TestIncidentReportOtherUnitTellsNothing(t *testing.T) {
	e := newEnv(t)
	e.seed(2) // Barnevernstjenesten's and NAV's
	nav := e.token("unit", "964338531", "NAV")
	ask := func(unit string) (int, string) {
		q := url.Values{"from": {"2026-01-01"}, "to": {"2026-12-31"}, "unit": {unit}}
		return e.send("GET", "/api/v1/incidents/report?"+q.Encode(), nav, "", "")
	}
	code, body := ask("Barnevernstjenesten")
	noCode, noBody := ask("Ingen slik enhet")
	if code != noCode || body != noBody {
		t.Errorf("another unit with letters: %d %s; a unit without any: %d %s; want the same answer", code, body, noCode, noBody)
	}
}
