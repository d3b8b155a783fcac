package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A letter registered through the API is the registering token's sender
// system unless the request names one; the incident report (API) filters
// by it and shows it per letter.
func TestRegisterSenderSystem(t *testing.T) {
	e := newEnv(t)
	tok := e.token("compliance", "964338531", "")
	sepo := strings.Replace(good, `"class"`, `"sender_system":" SEPO ","class"`, 1)
	sepo = strings.Replace(sepo, "d6b23522-ddf3-462a-8140-16e59e1f476d", "0b6f5c8e-3f7a-4a49-9d55-2c1f4b1e9a10", 1)
	code, out := e.do("POST", "/api/v1/shipments", tok, "["+good+","+sepo+"]")
	if code != http.StatusCreated {
		t.Fatalf("register: %d %v", code, out)
	}
	list := out["shipments"].([]any)
	if got := []any{list[0].(map[string]any)["sender_system"], list[1].(map[string]any)["sender_system"]}; got[0] != "compliance-test" || got[1] != "SEPO" {
		t.Fatalf("sender systems %v, want the token's name and SEPO", got)
	}
	bad := strings.Replace(sepo, " SEPO ", `SE\u0001PO`, 1)
	if code, out := e.do("POST", "/api/v1/shipments", tok, bad); code != http.StatusUnprocessableEntity ||
		!strings.Contains(mustJSON(t, out), `"field":"sender_system"`) {
		t.Fatalf("a control character in sender_system: %d %v", code, out)
	}
	q := url.Values{"from": {"2026-11-01"}, "to": {"2026-11-23"}, "system": {"SEPO"}}
	code, doc := e.get("/api/v1/incidents/report?"+q.Encode(), tok)
	var report struct {
		Letters []map[string]any `json:"letters"`
	}
	if err := json.Unmarshal([]byte(doc), &report); code != 200 || err != nil || len(report.Letters) != 1 ||
		report.Letters[0]["sender_system"] != "SEPO" || report.Letters[0]["channel_id"] != "0b6f5c8e-3f7a-4a49-9d55-2c1f4b1e9a10" {
		t.Fatalf("report by system: %d %s", code, doc)
	}
	if !e.audited("token:compliance-test", "export", "system=SEPO") {
		t.Fatal("the report by system is not audited with its filter")
	}
	// The UI's report by system: the form keeps the filter, the letters
	// show their system, and the follow-up form carries the filter on.
	b := e.loggedIn("kari", "compliance", "964338531", "")
	code, page := b.get("/incidents?" + q.Encode())
	if code != 200 || !strings.Contains(page, `name="system" value="SEPO"`) || !strings.Contains(page, "<td>SEPO</td>") ||
		strings.Contains(page, "<td>compliance-test</td>") || !strings.Contains(page, `<input type="hidden" name="system" value="SEPO">`) {
		t.Fatalf("the incident page by system: %d\n%s", code, page)
	}
	code, page = b.get("/shipments/" + list[1].(map[string]any)["id"].(string))
	if code != 200 || !strings.Contains(page, `id="sender-system">SEPO<`) {
		t.Fatalf("the evidence page does not name the sender system: %d", code)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
