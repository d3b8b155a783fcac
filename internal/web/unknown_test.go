package web_test

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestUnknownToChannelIsVisible: a shipment its channel has never heard
// of is marked in the lists, has a list of its own, shows on its evidence
// page and in the API.
func TestUnknownToChannelIsVisible(t *testing.T) {
	e := newEnv(t)
	got := e.seed(4)
	storetest.Set(t, e.st, []string{got[0].ID}, storetest.UnknownToChannelSince(now))
	if err := e.st.AppendEvent(context.Background(), store.Event{ShipmentID: got[0].ID, Kind: store.EventUnknown, Source: "svarut",
		ObservedAt: now, Message: "the channel has never heard of this shipment"}); err != nil {
		t.Fatal(err)
	}
	adm := e.loggedIn("adm", "admin", "", "")
	_, page := adm.get("/list?list=unknown_to_channel")
	if !strings.Contains(page, got[0].ID) || strings.Contains(page, got[1].ID) || !strings.Contains(page, "unknown to channel") {
		t.Errorf("the unknown list:\n%s", page)
	}
	_, page = adm.get("/list?list=unopened")
	if strings.Count(page, ">unknown to channel<") != 1 || !strings.Contains(page, `href="/list?list=unknown_to_channel"`) {
		t.Errorf("the unopened list does not mark the unknown shipment (%d marks)", strings.Count(page, ">unknown to channel<"))
	}
	// WCAG 2.1.1, 1.3.1: the day it became unknown is in the row's text,
	// not only in a title tooltip (keyboard and touch do not reach one).
	said := 0
	for _, tr := range elements(parse(t, page), "tr") {
		if strings.Contains(text(tr), "unknown to channel since 2026-11-23") {
			said++
		}
	}
	if said != 1 {
		t.Errorf("%d rows say since when the shipment is unknown to its channel, want 1", said)
	}
	if code, page := adm.get("/shipments/" + got[0].ID); code != 200 || !strings.Contains(page, "the channel has never heard of this letter") ||
		!strings.Contains(page, store.EventUnknown) {
		t.Errorf("evidence page: %d", code)
	}
	tok := e.token("admin", "", "")
	code, body := e.do("GET", "/api/v1/shipments/"+got[0].ID, tok, "")
	if code != 200 || body["unknown_to_channel_since"] == nil {
		t.Errorf("API: %d %v", code, body["unknown_to_channel_since"])
	}
}
