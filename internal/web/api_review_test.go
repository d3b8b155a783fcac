package web_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
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

// A letter registered again through the API with another class (a
// correction re-sent) stands as registered, and the answer says so by the
// item's index and the field (kept), as the CSV import does: answered 200
// without a word, the integrator believed the correction took effect. The
// same facts again say nothing.
func TestReRegistrationSaysTheStoredClassStands(t *testing.T) {
	e := newEnv(t)
	tok, id := registeredByAPI(t, e)
	code, out := e.do("POST", "/api/v1/shipments", tok, good)
	if code != 200 || out["kept"] != nil {
		t.Fatalf("the same letter again: %d %v, want 200 without kept", code, out)
	}
	other := strings.Replace(good, `"class":"taushetsbelagt"`, `"class":"ordinaer"`, 1)
	code, out = e.do("POST", "/api/v1/shipments", tok, "["+other+"]")
	kept, _ := out["kept"].([]any)
	if code != 200 || len(kept) != 1 {
		t.Fatalf("another class: %d %v, want 200 with one kept item", code, out)
	}
	k := kept[0].(map[string]any)
	if k["index"] != float64(0) || k["field"] != "class" || !strings.Contains(k["message"].(string), "stands") {
		t.Errorf("kept %v, want item 0's class said to stand", k)
	}
	sh := out["shipments"].([]any)[0].(map[string]any)
	if sh["id"] != id || sh["class"] != "taushetsbelagt" {
		t.Errorf("answered %v %v, want the stored letter %s with its class", sh["id"], sh["class"], id)
	}
}
