package web_test

import (
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/web"
)

// A deployment with one channel on (WithChannels: Digital Post only)
// refuses a letter of another registered channel, through the API (422,
// the channel field's error naming the channel and the configured ones)
// and the import page (the line's problem; nothing stored): it would
// never be polled, yet reminded and printed. Its own channel's letter is
// taken.
func TestRegisterRefusesChannelOff(t *testing.T) {
	e := newEnvWith(t, web.WithChannels([]string{"digitalpost"}))
	tok := e.token("admin", "", "")
	code, out := e.do("POST", "/api/v1/shipments", tok, good)
	errs, _ := out["errors"].([]any)
	if code != http.StatusUnprocessableEntity || len(errs) != 1 {
		t.Fatalf("a SvarUt letter: %d %v, want 422 with one error", code, out)
	}
	m := errs[0].(map[string]any)
	msg, _ := m["message"].(string)
	if m["field"] != "channel" || !strings.Contains(msg, `"svarut" (KS SvarUt) is not configured`) || !strings.Contains(msg, "configured: digitalpost") {
		t.Errorf("error %v, want the channel field naming svarut and the configured digitalpost", m)
	}
	dp := `{"channel":"digitalpost","channel_id":"0b6d3c5e-1f2a-4b3c-8d4e-000000000001","sender_org":"64942212",
 "sender_unit":"Socialforvaltningen","recipient":{"kind":"org","id":"14691804"},
 "title":"Afgørelse","confidential":true,"class":"fortrolig","sent_at":"2026-11-20T10:00:00+01:00"}`
	if code, out := e.do("POST", "/api/v1/shipments", tok, dp); code != http.StatusCreated {
		t.Fatalf("a Digital Post letter: %d %v, want 201", code, out)
	}

	b := e.loggedIn("officer", "compliance", "", "")
	_, page := b.get("/import")
	code, page = b.uploadLetters("en", csrf(page), []byte(importHeader+importRow(1, "NAV")))
	if code != http.StatusBadRequest || !strings.Contains(page, `"svarut" (KS SvarUt) is not configured`) {
		t.Errorf("import of a SvarUt letter: %d, want 400 naming the channel that is off:\n%.3000s", code, page)
	}
	if n := e.letters(); n != 1 {
		t.Errorf("%d letters stored, want the Digital Post one", n)
	}
}
