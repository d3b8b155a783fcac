package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// send makes one request with a bearer token (none when empty), the given
// Content-Type (none when empty) and body, and returns the status and the body as read.
func (e *env) send(method, path, token, contentType, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
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

// goTerms are words of Go's, not of JSON's, that a decoding error names
// (its struct, field and type names): an API answer has none of them.
var goTerms = []string{"Go ", "struct", "json.", "RawMessage", "followUpInput", "wireShipment", "[]", "bool", "int", "unmarshal"}

// A body the JSON decoder refuses is answered 400 in the body's terms: the
// field and the JSON it needs ("missed_statutory_deadline must be true or
// false, not a string"), or what the whole body must be; never Go's type
// names. For the follow-up and the registration alike.
func TestBadBodiesToldInJSONTerms(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	tok := e.token("admin", "", "")
	path := "/api/v1/shipments/" + got[1].ID + "/followup"
	for _, tc := range []struct {
		name, path, body string
		says             []string
	}{
		{"a boolean as a string", path, `{"decision":"closed","missed_statutory_deadline":"yes"}`,
			[]string{"missed_statutory_deadline must be true or false, not a string"}},
		{"a decision as a number", path, `{"decision":5}`, []string{"decision must be a string, not a number"}},
		{"a note as an object", path, `{"decision":"closed","note":{}}`, []string{"note must be a string, not an object"}},
		{"a string for the object", path, `"closed"`, []string{"the body must be one JSON object, not a string"}},
		{"an array for the object", path, `[{"decision":"closed"}]`, []string{"must be one JSON object, not an array"}},
		{"cut short", path, `{"decision":`, []string{"ends before"}},
		{"not JSON", path, `decision=closed`, []string{"not valid JSON", "byte 1"}},
		{"white space only", path, ` `, []string{"empty"}},
		{"unknown field", path, `{"decision":"closed","why":"x"}`, []string{`why unknown field`}},
		{"a registration of a string", "/api/v1/shipments", `"x"`,
			[]string{"must be a shipment object or an array of them, not a string"}},
		{"a registration of a number", "/api/v1/shipments", `42`, []string{"not a number"}},
		{"a registration cut short", "/api/v1/shipments", `[{"channel":`, []string{"not valid JSON", "unexpected end"}},
	} {
		code, out := e.do("POST", tc.path, tok, tc.body)
		msg, _ := out["error"].(string)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d %v, want 400", tc.name, code, out)
		}
		for _, s := range tc.says {
			if !strings.Contains(msg, s) {
				t.Errorf("%s: %q, want it to say %q", tc.name, msg, s)
			}
		}
		for _, g := range goTerms {
			if strings.Contains(msg, g) {
				t.Errorf("%s: %q names %q, Go's term", tc.name, msg, g)
			}
		}
	}
	if code, out := e.do("GET", path, tok, ""); code != http.StatusNotFound {
		t.Errorf("a refused body recorded a follow-up: %d %v", code, out)
	}
}

// A POST's body is read only when declared JSON: Content-Type
// application/json, in any case, with charset=utf-8 or none. Another type,
// another charset, or none at all is answered 415 saying what to send, and
// nothing is done; for the registration and the follow-up alike.
func TestAPIBodyMustBeDeclaredJSON(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	tok := e.token("admin", "", "")
	follow := "/api/v1/shipments/" + got[1].ID + "/followup"
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx",
		"application/json; charset=iso-8859-1", "application/json-seq", "not a media type;;"} {
		for _, path := range []string{"/api/v1/shipments", follow} {
			body := good
			if path == follow {
				body = `{"decision":"closed"}`
			}
			code, out := e.send("POST", path, tok, ct, body)
			if code != http.StatusUnsupportedMediaType || !strings.Contains(out, "application/json") {
				t.Errorf("POST %s with Content-Type %q: %d %s, want 415 saying to send application/json", path, ct, code, out)
			}
		}
	}
	var stored int
	if err := e.st.DB().Get(&stored, `SELECT count(*) FROM shipments`); err != nil || stored != 2 {
		t.Errorf("%d letters stored, want the 2 seeded (%v)", stored, err)
	}
	if code, out := e.do("GET", follow, tok, ""); code != http.StatusNotFound {
		t.Errorf("a refused body recorded a follow-up: %d %v", code, out)
	}
	for i, ct := range []string{"application/json", "Application/JSON; Charset=UTF-8", "application/json;charset=utf-8"} {
		body := strings.Replace(good, "d6b23522-ddf3-462a-8140-16e59e1f476d", fmt.Sprintf("d6b23522-ddf3-462a-8140-16e59e1f476%d", i), 1)
		if code, out := e.send("POST", "/api/v1/shipments", tok, ct, body); code != http.StatusCreated {
			t.Errorf("Content-Type %q: %d %s, want 201", ct, code, out)
		}
	}
	if code, out := e.send("POST", follow, tok, "application/json; charset=UTF-8", `{"decision":"closed"}`); code != http.StatusCreated {
		t.Errorf("a follow-up as application/json; charset=UTF-8: %d %s, want 201", code, out)
	}
}

// Every API error carries a stable code beside its words: the status's
// default (not_found, forbidden, ...) or a more specific one (no_followup,
// invalid_cursor, bad_body), as README "API" lists them. (Every API answer
// of every web test is also checked against the OpenAPI document, whose
// Error requires a code of its list.)
func TestAPIErrorsCarryCode(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2) // 0 Barnevernstjenesten, 1 NAV
	admin := e.token("admin", "", "")
	nav := e.token("unit", "964338531", "NAV")
	ops := e.token("operations", "", "")
	for _, tc := range []struct {
		name, method, path, token, ct, body string
		status                              int
		code                                string
	}{
		{"no token", "GET", "/api/v1/shipments", "", "", "", 401, "unauthorized"},
		{"unknown token", "GET", "/api/v1/shipments", "pvt_nothing", "", "", 401, "unauthorized"},
		{"a role without the right", "GET", "/api/v1/shipments", ops, "", "", 403, "forbidden"},
		{"no such letter", "GET", "/api/v1/shipments/0190a000-0000-7000-8000-000000000000", nav, "", "", 404, "not_found"},
		{"another unit's letter", "GET", "/api/v1/shipments/" + got[0].ID, nav, "", "", 404, "not_found"},
		{"no follow-up yet", "GET", "/api/v1/shipments/" + got[1].ID + "/followup", nav, "", "", 404, "no_followup"},
		{"no such endpoint", "GET", "/api/v1/nothing", admin, "", "", 404, "not_found"},
		{"a method the endpoint does not take", "DELETE", "/api/v1/shipments", admin, "", "", 405, "method_not_allowed"},
		{"a bad limit", "GET", "/api/v1/shipments?limit=0", admin, "", "", 400, "bad_request"},
		{"an unknown parameter", "GET", "/api/v1/shipments?limti=5", admin, "", "", 400, "bad_request"},
		{"a made-up list cursor", "GET", "/api/v1/shipments?cursor=nope", admin, "", "", 400, "invalid_cursor"},
		{"a made-up events cursor", "GET", "/api/v1/shipments/" + got[1].ID + "?before=nope", admin, "", "", 400, "invalid_cursor"},
		{"a made-up follow-ups cursor", "GET", "/api/v1/followups?cursor=nope", admin, "", "", 400, "invalid_cursor"},
		{"a made-up audit cursor", "GET", "/api/v1/audit?before=nope", admin, "", "", 400, "invalid_cursor"},
		{"a follow-up body of the wrong JSON", "POST", "/api/v1/shipments/" + got[1].ID + "/followup", admin, "application/json", `{"decision":5}`, 400, "bad_body"},
		{"an incomplete decision", "POST", "/api/v1/shipments/" + got[1].ID + "/followup", admin, "application/json", `{"decision":"consequences_assessed"}`, 400, "bad_request"},
		{"a registration not JSON", "POST", "/api/v1/shipments", admin, "application/json", `nope`, 400, "bad_body"},
		{"a body not declared JSON", "POST", "/api/v1/shipments", admin, "text/plain", good, 415, "unsupported_media_type"},
		{"an invalid item", "POST", "/api/v1/shipments", admin, "application/json", strings.Replace(good, `"svarut"`, `"fax"`, 1), 422, "invalid"},
		{"no items", "POST", "/api/v1/shipments", admin, "application/json", `[]`, 422, "invalid"},
		{"a channel id of another unit's letter", "POST", "/api/v1/shipments", nav, "application/json",
			strings.NewReplacer(`"d6b23522-ddf3-462a-8140-16e59e1f476d"`, `"`+got[0].ChannelID+`"`, "Barnevernstjenesten", "NAV").Replace(good), 409, "conflict"},
	} {
		code, body := e.send(tc.method, tc.path, tc.token, tc.ct, tc.body)
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		if code != tc.status || out["code"] != tc.code {
			t.Errorf("%s: %d %s, want %d with code %q", tc.name, code, body, tc.status, tc.code)
		}
	}
}
