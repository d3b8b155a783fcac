package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// A sender system that imported its letters knows them by their channel
// ids, not postvakt's: GET /api/v1/shipments?channel_id= finds the one
// letter (written in any case, with or without its channel), within the
// token's scope only, and the lookup is audited by the id.
func TestAPIFindsALetterByItsChannelID(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3)
	tok := e.token("compliance", "964338531", "")
	want := got[1]
	for _, q := range []string{
		"channel_id=" + want.ChannelID,
		"channel_id=" + strings.ToUpper(want.ChannelID),
		"channel=" + want.Channel + "&channel_id=" + want.ChannelID,
	} {
		code, out := e.do("GET", "/api/v1/shipments?"+q, tok, "")
		if code != http.StatusOK {
			t.Fatalf("%s: %d %v", q, code, out)
		}
		list := out["shipments"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["id"] != want.ID {
			t.Errorf("%s: %v, want the one letter %s", q, list, want.ID)
		}
	}
	if code, out := e.do("GET", "/api/v1/shipments?channel=altinn&channel_id="+want.ChannelID, tok, ""); code != http.StatusOK ||
		len(out["shipments"].([]any)) != 0 {
		t.Errorf("the id on another channel: %d %v, want none", code, out)
	}
	other := e.token("compliance", "910859897", "")
	if code, out := e.do("GET", "/api/v1/shipments?channel_id="+want.ChannelID, other, ""); code != http.StatusOK ||
		len(out["shipments"].([]any)) != 0 {
		t.Errorf("another organisation's token: %d %v, want none", code, out)
	}
	entries, err := e.st.AuditEntries(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range entries {
		found = found || strings.Contains(a.Object+" "+a.Detail, "channel_id="+want.ChannelID)
	}
	if !found {
		t.Error("the lookup by channel id is not audited by the id")
	}
}
