package web_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// registeredByAPI registers good through the API as admin and returns
// the token and the letter's id.
func registeredByAPI(t *testing.T, e *env) (tok, id string) {
	t.Helper()
	tok = e.token("admin", "", "")
	code, out := e.do("POST", "/api/v1/shipments", tok, good)
	if code != 201 {
		t.Fatal(code, out)
	}
	return tok, out["shipments"].([]any)[0].(map[string]any)["id"].(string)
}

// Review (api): a time with an offset past PostgreSQL's ±15:59 (RFC 3339
// and Go allow up to ±23:59) in a cursor or a period bound must be a 400,
// never a 500 with a database error (README "Input limits": bad input
// "never causes a 500 or a database error"; "invalid_cursor (400: a cursor
// the server did not make)").
func TestReviewOffsetPastPostgresRangeIsNot500(t *testing.T) {
	e := newEnv(t)
	tok, id := registeredByAPI(t, e)
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

// Review (api): GET /api/v1/shipments/{id} of a letter the retention purge
// took (its event log deleted) must still answer as the OpenAPI document
// says ("events" is required; an empty log is []): Shipment.Events has
// `json:"events,omitempty"`, so an empty page drops the key, and a client
// generated from the document fails on exactly the letters a compliance
// officer asks about after a purge. (The spec wrapper of newEnv validates
// every answer against /api/v1/openapi.json.)
func TestReviewPurgedLetterAnswersWithEvents(t *testing.T) {
	e := newEnv(t)
	tok, id := registeredByAPI(t, e)
	if _, err := e.st.PurgeShipments(context.Background(), storetest.Due(id), now.Add(-time.Hour), "system:retention"); err != nil {
		t.Fatal(err)
	}
	code, out := e.do("GET", "/api/v1/shipments/"+id, tok, "")
	if code != 200 {
		t.Fatal(code, out)
	}
	if ev, ok := out["events"].([]any); !ok || len(ev) != 0 {
		t.Errorf("events = %#v, want [] (the purged letter's empty log)", out["events"])
	}
}
