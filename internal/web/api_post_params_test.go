package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// The routes that take no query parameter refuse one with a 400 naming
// it, nothing done, as the lists refuse one they do not take: a sender
// system trying POST /api/v1/shipments?dry_run=true (to check its letters
// first) had them registered, watched, reminded of and printed; a
// follow-up recorded with ?unit= as if it were another unit's.
func TestAPIRoutesWithoutParamsRefuseOne(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	code, out := e.do("POST", "/api/v1/shipments?dry_run=true", tok, good)
	if msg, _ := out["error"].(string); code != http.StatusBadRequest || out["code"] != "bad_request" || !strings.Contains(msg, `"dry_run"`) {
		t.Errorf("POST /api/v1/shipments?dry_run=true: %d %v, want 400 bad_request naming dry_run", code, out)
	}
	if code, out := e.do("GET", "/api/v1/shipments", tok, ""); code != http.StatusOK || len(out["shipments"].([]any)) != 0 {
		t.Fatalf("after a refused registration: %d %v, want no letter", code, out)
	}
	code, out = e.do("POST", "/api/v1/shipments", tok, good)
	if code != http.StatusCreated {
		t.Fatal(code, out)
	}
	letter := "/api/v1/shipments/" + out["shipments"].([]any)[0].(map[string]any)["id"].(string) + "/followup"
	for _, tc := range []struct{ method, path, body, name string }{
		{"GET", letter + "?all=true", "", "all"},
		{"POST", letter + "?unit=NAV", `{"decision":"closed"}`, "unit"},
	} {
		code, out := e.do(tc.method, tc.path, tok, tc.body)
		if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, `"`+tc.name+`"`) {
			t.Errorf("%s %s: %d %v, want 400 naming %s", tc.method, tc.path, code, out, tc.name)
		}
	}
	if code, out := e.do("GET", letter, tok, ""); code != http.StatusNotFound || out["code"] != "no_followup" {
		t.Errorf("after a refused follow-up: %d %v, want none recorded", code, out)
	}
}
