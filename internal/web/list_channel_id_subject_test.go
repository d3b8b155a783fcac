package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestListOfOneLetterByChannelIDIsItsOrganisations: an unscoped admin's
// list narrowed by channel_id to another organisation's letter (the UI's
// list, its export, the API's list) is that letter's organisation's in the
// audit log, as a letter's page is. Before, its entry was every
// organisation's (*): org A's compliance officer read the channel id of
// org B's letter, and that the admin looked it up, in its own /audit.
func TestListOfOneLetterByChannelIDIsItsOrganisations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var items []model.NewShipment
	for i, org := range []string{orgA, orgB} {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID("channel-id-subject", i),
			SenderOrg: org, SenderUnit: "Skole", RecipientKind: "org", RecipientID: "910859897", Title: "Vedtak",
			Confidential: true, Class: "taushetsbelagt", SentAt: now.Add(-10 * 24 * time.Hour)})
	}
	got, _, err := e.st.Register(ctx, items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	theirs := got[1].ChannelID
	root := e.loggedIn("root", "admin", "", "")
	for _, p := range []string{"/list?list=all&channel_id=" + theirs, "/export?format=csv&list=all&channel_id=" + theirs} {
		if code, body := root.get(p); code != 200 {
			t.Fatalf("%s: %d %.300s", p, code, body)
		}
	}
	if code, body := e.get("/api/v1/shipments?channel_id="+theirs, e.token("admin", "", "")); code != 200 {
		t.Fatalf("API list: %d %.300s", code, body)
	}
	if _, a := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgA, "")); strings.Contains(a, theirs) {
		t.Errorf("org A's audit log shows the channel id of org B's letter from an unscoped admin's list: %.600s", a)
	}
	if _, b := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgB, "")); strings.Count(b, theirs) < 3 {
		t.Errorf("org B's audit log lacks the admin's lists of its letter: %.600s", b)
	}
}
