package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// README, The incident report: "For each letter it shows ... what escalation
// did about it: its stage, how many reminders went and the last
// (reminders_sent, last_reminded_at) and its print order's state". The
// page (/incidents) shows the first 500 letters: each row should say them,
// as the exports and the letter's own page do.
func TestIncidentPageShowsWhatEscalationDid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ships := e.seed(2)
	storetest.Set(t, e.st, []string{ships[0].ID, ships[1].ID}, storetest.State(model.StateAvailable))
	at := now.Add(-2 * 24 * time.Hour)
	claim, err := e.st.ClaimNotification(ctx, store.Claim{Org: "974760673", Items: []model.ReminderItem{{ShipmentID: ships[0].ID, Reminder: 1}},
		Recipients: []string{"post@firma.example"}, Now: at})
	if err != nil || !claim.Send {
		t.Fatalf("claim %+v %v", claim, err)
	}
	if err := e.st.MarkNotificationSent(ctx, claim.Notification.ID, "<m@x>", at); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreatePrintOrders(ctx, []string{ships[1].ID}, "taushetsbelagt", true, at); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", "", "")
	code, page := b.get("/incidents?from=2026-01-01&to=2026-12-31&lang=en")
	if code != 200 {
		t.Fatalf("/incidents: %d", code)
	}
	head := regexp.MustCompile(`(?s)<thead><tr><th scope="col">[^<]*</th><th scope="col">[^<]*</th><th scope="col">[^<]*</th><th scope="col">[^<]*</th><th scope="col">[^<]*</th>.*?</thead>`).FindAllString(page, -1)
	letters := head[len(head)-1]
	for _, want := range []string{"Reminders", "Last reminder", "Print order state"} {
		if !strings.Contains(strings.ToLower(letters), strings.ToLower(want)) {
			t.Errorf("the page's letters table has no column %q: %s", want, letters)
		}
	}
	if !strings.Contains(page, "address being looked up") && !strings.Contains(page, "adressen slås opp") {
		t.Errorf("the letter due for print does not show its print order's state (lookup) on the page")
	}
}
