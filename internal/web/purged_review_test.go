package web_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// Review (api): GET /api/v1/shipments/{id} of a letter the retention purge
// took (its event log deleted) must still answer as the OpenAPI document
// says ("events" is required; an empty log is []): Shipment.Events has
// `json:"events,omitempty"`, so an empty page drops the key, and a client
// generated from the document fails on exactly the letters a compliance
// officer asks about after a purge. (The spec wrapper of newEnv validates
// every answer against /api/v1/openapi.json.)
func TestReviewPurgedLetterAnswersWithEvents(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	code, out := e.do("POST", "/api/v1/shipments", tok, good)
	if code != 201 {
		t.Fatal(code, out)
	}
	id := out["shipments"].([]any)[0].(map[string]any)["id"].(string)
	if _, err := e.st.PurgeShipments(context.Background(), storetest.Due(id), now.Add(-time.Hour), "system:retention"); err != nil {
		t.Fatal(err)
	}
	code, out = e.do("GET", "/api/v1/shipments/"+id, tok, "")
	if code != 200 {
		t.Fatal(code, out)
	}
	if ev, ok := out["events"].([]any); !ok || len(ev) != 0 {
		t.Errorf("events = %#v, want [] (the purged letter's empty log)", out["events"])
	}
}
