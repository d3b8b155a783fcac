package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// The incident report's format given twice (format=json&format=csv) is a
// 400 naming it, as every other parameter given twice is: the first was
// taken without a word, a CSV where the script asked for JSON as well.
func TestIncidentReportRefusesFormatTwice(t *testing.T) {
	e := newEnv(t)
	e.seed(2)
	tok := e.token("compliance", "964338531", "")
	const period = "/api/v1/incidents/report?from=2026-01-01&to=2026-12-31"
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"&format=json", http.StatusOK},
		{"&format=csv&format=json", http.StatusBadRequest},
		{"&format=json&format=json", http.StatusBadRequest},
	} {
		code, body := e.get(period+tc.q, tok)
		if code != tc.want || (tc.want == http.StatusBadRequest && !strings.Contains(body, "format")) {
			t.Errorf("%s: %d %.200s, want %d", tc.q, code, body, tc.want)
		}
	}
}
