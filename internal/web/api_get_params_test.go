package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// GET /api/v1/shipments/{id} and GET /api/v1/alerts refuse a parameter
// they do not take, or one given twice, with a 400 naming it, as the
// lists do: ignored, a misspelt cursor gives the latest events as if the
// page before, a misspelt resolved_days a week's alerts as if a year's.
func TestAPIGetsRefuseUnknownAndRepeatedParams(t *testing.T) {
	e := newEnv(t)
	got := e.seed(1)
	letter := "/api/v1/shipments/" + got[0].ID
	for _, tc := range []struct {
		path, token, name string
		want              int
	}{
		{letter + "?limit=5&before=", e.token("compliance", "964338531", ""), "", http.StatusOK},
		{letter + "?befor=abc", e.token("compliance", "964338531", ""), "befor", http.StatusBadRequest},
		{letter + "?cursor=abc", e.token("compliance", "964338531", ""), "cursor", http.StatusBadRequest},
		{letter + "?limit=5&limit=1000", e.token("compliance", "964338531", ""), "limit", http.StatusBadRequest},
		{"/api/v1/alerts?resolved_days=30", e.token("operations", "", ""), "", http.StatusOK},
		{"/api/v1/alerts?resolved_day=365", e.token("operations", "", ""), "resolved_day", http.StatusBadRequest},
		{"/api/v1/alerts?unit=NAV", e.token("operations", "", ""), "unit", http.StatusBadRequest},
		{"/api/v1/alerts?resolved_days=1&resolved_days=365", e.token("operations", "", ""), "resolved_days", http.StatusBadRequest},
	} {
		code, body := e.get(tc.path, tc.token)
		if code != tc.want || !strings.Contains(body, tc.name) {
			t.Errorf("%s: %d %.200s, want %d naming %q", tc.path, code, body, tc.want, tc.name)
		}
	}
}
