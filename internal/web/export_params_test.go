package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A script's export of the audit log or the follow-ups (a bearer token) is
// refused a parameter the export does not take, as /export and the API's
// lists are: a misspelt filter (acter=, unit=) was ignored, and the whole
// log or every follow-up answered as if filtered. What they take still
// works; a browser's export (a session) is as it was.
func TestScriptExportsRefuseUnknownParameters(t *testing.T) {
	e := newEnv(t)
	e.seed(2)
	tok := e.token("compliance", "964338531", "")
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/audit/export?format=csv&acter=user:kari", http.StatusBadRequest},
		{"/audit/export?format=csv&actor=user:kari&limit=5", http.StatusBadRequest},
		{"/followups/export?format=csv&unit=NAV", http.StatusBadRequest},
		{"/followups/export?format=csv&all=1&state=opened", http.StatusBadRequest},
		{"/audit/export?format=csv&actor=user:kari&action=export&from=2026-11-01&to=2026-11-30", http.StatusOK},
		{"/followups/export?format=csv&all=1", http.StatusOK},
	} {
		code, body := e.get(tc.path, tok)
		if code != tc.code {
			t.Errorf("%s: %d %.200s, want %d", tc.path, code, body, tc.code)
		}
		if tc.code == http.StatusBadRequest && !strings.Contains(body, "unknown query parameter") {
			t.Errorf("%s: %.200s, want the parameter named", tc.path, body)
		}
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, p := range []string{"/audit/export?format=csv&before=", "/followups/export?format=csv&cursor="} {
		if code, body := b.get(p); code != http.StatusOK {
			t.Errorf("a browser's %s: %d %.200s", p, code, body)
		}
	}
}
