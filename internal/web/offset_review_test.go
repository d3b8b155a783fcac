package web_test

import (
	"encoding/base64"
	"net/url"
	"testing"
)

// Review (api): a time with an offset past PostgreSQL's ±15:59 (RFC 3339
// and Go allow up to ±23:59) in a cursor or a period bound must be a 400,
// never a 500 with a database error (README "Input limits": bad input
// "never causes a 500 or a database error"; "invalid_cursor (400: a cursor
// the server did not make)").
func TestReviewOffsetPastPostgresRangeIsNot500(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	code, out := e.do("POST", "/api/v1/shipments", tok, good)
	if code != 201 {
		t.Fatal(code, out)
	}
	id := out["shipments"].([]any)[0].(map[string]any)["id"].(string)
	ship := base64.RawURLEncoding.EncodeToString([]byte("2026-11-30T00:00:00+20:00|d6b23522-ddf3-462a-8140-16e59e1f4768"))
	ev := base64.RawURLEncoding.EncodeToString([]byte("2026-11-30T00:00:00+20:00|5"))
	for _, path := range []string{
		"/api/v1/shipments?cursor=" + ship,
		"/api/v1/followups?cursor=" + ship,
		"/api/v1/shipments/" + id + "?before=" + ev,
		"/api/v1/incidents/report?from=" + url.QueryEscape("2026-11-01T00:00:00+20:00"),
		"/api/v1/incidents/report?to=" + url.QueryEscape("2026-11-30T00:00:00-20:00"),
	} {
		code, out := e.do("GET", path, tok, "")
		if code >= 500 {
			t.Errorf("GET %s: %d %v, want a 400 (or the instant read in UTC), not a server error", path, code, out)
		}
	}
}
