package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// The Authorization scheme's name is case-insensitive (RFC 9110 §11.1): a
// client sending "bearer" or "BEARER" is answered as one sending "Bearer".
func TestBearerSchemeAnyCase(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/shipments", nil)
		req.Header.Set("Authorization", scheme+" "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d, want 200", scheme, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/shipments", nil)
	req.Header.Set("Authorization", "Basic "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic: %d, want 401", resp.StatusCode)
	}
}

// An endpoint asked with a method it does not take is answered 405 with
// the methods it takes in Allow, not 404 "no such API endpoint", which
// sends an integrator looking for a wrong address; an address no endpoint
// has is still 404.
func TestAPIWrongMethodIs405(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", "/api/v1/shipments", "GET, POST"},
		{"DELETE", "/api/v1/shipments/01a23174-9702-7222-b853-c99ae9184c2e", "GET"},
		{"PUT", "/api/v1/shipments/01a23174-9702-7222-b853-c99ae9184c2e/followup", "GET, POST"},
		{"POST", "/api/v1/summary", "GET"},
	} {
		req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
		}
	}
	if code, _ := e.do("PUT", "/api/v1/nothing", tok, ""); code != http.StatusNotFound {
		t.Errorf("PUT /api/v1/nothing: %d, want 404", code)
	}
}

// GET /api/v1/shipments refuses (400) a query parameter it does not take,
// naming it: ignored, a misspelt limit or another endpoint's parameter
// (the summary's by, the audit log's before, the UI's rid) would hand back
// the whole list as if filtered. The documented parameters still work.
func TestListRefusesUnknownParameters(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	if code, out := e.do("POST", "/api/v1/shipments", tok, good); code != http.StatusCreated {
		t.Fatal(code, out)
	}
	for _, q := range []string{"sent_after=2026-11-01", "limti=5", "by=unit", "before=5", "rid=1"} {
		code, out := e.do("GET", "/api/v1/shipments?"+q, tok, "")
		name, _, _ := strings.Cut(q, "=")
		if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, `"`+name+`"`) {
			t.Errorf("?%s: %d %v, want 400 naming %q", q, code, out, name)
		}
	}
	code, out := e.do("GET", "/api/v1/shipments?state=registered&channel=svarut&sender_unit=Barnevernstjenesten&recipient=974760673&limit=5&cursor=", tok, "")
	if code != http.StatusOK || len(out["shipments"].([]any)) != 1 {
		t.Errorf("documented parameters: %d %v, want the one letter", code, out)
	}
}
