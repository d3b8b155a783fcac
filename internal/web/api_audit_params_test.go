package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// GET /api/v1/audit reads its filter from the query. A parameter it does
// not take (a misspelt filter, "object" for "letter", a list's filter) or
// one given twice must be a 400 naming it, as on /api/v1/shipments and
// /api/v1/followups: ignored, the compliance officer's script gets the
// whole log (or the first of two letters' entries) as if filtered.
func TestAPIAuditRefusesUnknownAndRepeatedParams(t *testing.T) {
	e := newEnv(t)
	e.seed(2)
	tok := e.token("compliance", "964338531", "")
	if code, body := e.get("/api/v1/audit?limit=5&action=view_list&actor=x&letter=y&from=2026-01-01&to=2026-12-31&before=", tok); code != http.StatusOK {
		t.Fatalf("every parameter it takes: %d %.300s", code, body)
	}
	for _, tc := range []struct{ q, name string }{
		{"actr=user:ola", "actr"},
		{"object=shipment", "object"},
		{"unit=NAV", "unit"},
		{"cursor=abc", "cursor"},
		{"letter=a&letter=b", "letter"},
		{"limit=5&limit=10000", "limit"},
	} {
		code, body := e.get("/api/v1/audit?"+tc.q, tok)
		if code != http.StatusBadRequest || !strings.Contains(body, tc.name) {
			t.Errorf("/api/v1/audit?%s: %d %.200s, want 400 naming %s", tc.q, code, body, tc.name)
		}
	}
}
