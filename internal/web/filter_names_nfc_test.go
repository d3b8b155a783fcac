package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// A sender system that registers its letters with a unit's and a class's
// name as its own records write them, decomposed (a Mac's "Å": A and a
// combining ring) or with a blank after them, finds them by the same
// names: registration stores the names composed and trimmed, and the
// lists' and the incident report's filters read them so too (they found
// none, an empty list that reads as nothing outstanding).
func TestFilterByNamesAsRegistered(t *testing.T) {
	e := newEnv(t)
	const unit, class = "Helse A\u030asane ", "taushetsbelagt A\u030as"
	tok := e.token("compliance", "964338531", "")
	body := fmt.Sprintf(`{"channel":"svarut","channel_id":"d6b23522-ddf3-462a-8140-16e59e1f476d","sender_org":"964338531",
		"sender_unit":%q,"recipient":{"kind":"org","id":"974760673"},"title":"Vedtak","confidential":true,
		"class":%q,"sent_at":"2026-11-20T10:00:00+01:00"}`, unit, class)
	if code, out := e.send("POST", "/api/v1/shipments", tok, "application/json", body); code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, out)
	}
	for _, q := range []url.Values{{"unit": {unit}}, {"sender_unit": {unit}}, {"class": {class}}} {
		code, page := e.do("GET", "/api/v1/shipments?"+q.Encode(), tok, "")
		if rows, _ := page["shipments"].([]any); code != http.StatusOK || len(rows) != 1 {
			t.Errorf("GET /api/v1/shipments?%s: %d, %d letters, want the one registered so", q.Encode(), code, len(rows))
		}
	}
	for _, q := range []url.Values{{"unit": {unit}}, {"class": {class}}} {
		q.Set("from", "2026-11-01")
		q.Set("to", "2026-11-30")
		code, page := e.do("GET", "/api/v1/incidents/report?"+q.Encode(), tok, "")
		if rows, _ := page["letters"].([]any); code != http.StatusOK || len(rows) != 1 {
			t.Errorf("GET /api/v1/incidents/report?%s: %d, %d letters, want the one registered so: %v", q.Encode(), code, len(rows), page)
		}
	}
}
