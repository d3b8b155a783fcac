package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// An organisation's list (drilled into from the summary) shows the reminder
// messages sent to it about the officer's letters, newest first: when, to
// which addresses, the Message-ID and Altinn order, how many of the
// officer's letters each listed. A reminder listing only another sender
// organisation's letters is not shown, and another organisation's letters
// in a shared reminder are not counted.
func TestOrganisationListShowsItsReminders(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	got := e.seed(6) // 974760673 gets got[0] and got[3]
	other, _, err := e.st.Register(ctx, []model.NewShipment{{Channel: "svarut", ChannelID: storetest.ChannelID("other", 0),
		SenderOrg: orgB, SenderUnit: "Skole", RecipientKind: "org", RecipientID: "974760673", Title: "Vedtak", Confidential: true,
		Class: "taushetsbelagt", SentAt: now.Add(-10 * 24 * time.Hour)}}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	db := e.st.DB()
	notif := func(key, status, msgID, order string, at time.Time, reminder int, ids ...string) {
		var n int64
		if err := db.GetContext(ctx, &n, `INSERT INTO notifications (key, orgnr, status, recipients, message_id, order_id,
				created_at, claimed_at, updated_at, sent_at)
			VALUES ($1, '974760673', $2, '{post@974760673.example.no}', $3, $4, $5, $5, $5, CASE WHEN $2 = 'sent' THEN $5::timestamptz END)
			RETURNING id`, key, status, msgID, order, at); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, $3)`, n, id, reminder)
		}
	}
	notif("r1", "sent", "<reminder.aaa@postvakt>", "", time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC), 1, got[0].ID, got[3].ID, other[0].ID)
	notif("r2", "sent", "<reminder.bbb@postvakt>", "a1b2c3", time.Date(2026, 11, 9, 8, 0, 0, 0, time.UTC), 2, got[3].ID)
	notif("r3", "sent", "<reminder.ccc@postvakt>", "", time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC), 2, other[0].ID)
	notif("r4", "no_address", "", "", time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC), 2, got[0].ID)

	b := e.loggedIn("kari", "compliance", orgA, "")
	_, sum := b.get("/unopened")
	m := regexp.MustCompile(`href="(/list\?list=unopened&amp;rid=\d+)">974760673<`).FindStringSubmatch(sum)
	if m == nil {
		t.Fatal("no drill-down to 974760673 on the summary")
	}
	code, page := b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if code != http.StatusOK || !strings.Contains(page, `id="org-reminders"`) {
		t.Fatalf("the organisation's list: %d, no reminders table", code)
	}
	table := page[strings.Index(page, `id="org-reminders"`):]
	table = table[:strings.Index(table, "</table>")]
	rows := regexp.MustCompile(`(?s)<tr><td>(.*?)</tr>`).FindAllStringSubmatch(table, -1)
	if len(rows) != 3 {
		t.Fatalf("%d reminders shown, want 3 (r4, r2, r1; not r3, only another sender's letter):\n%s", len(rows), table)
	}
	for i, want := range []string{"2026-11-16 09:00", "2026-11-09 09:00", "2026-11-02 09:00"} {
		if !strings.Contains(rows[i][1], want) {
			t.Errorf("reminder %d is not the one of %s (Oslo time): %s", i+1, want, rows[i][1])
		}
	}
	for i, want := range [][]string{
		{"no address", `<td class="num">1</td>`},
		{"sent", "post@974760673.example.no", "&lt;reminder.bbb@postvakt&gt;", "a1b2c3", `<td class="num">1</td>`},
		{"sent", "&lt;reminder.aaa@postvakt&gt;", `<td class="num">2</td>`}, // got[0], got[3]; not orgB's letter
	} {
		for _, w := range want {
			if !strings.Contains(rows[i][1], w) {
				t.Errorf("reminder %d lacks %q: %s", i+1, w, rows[i][1])
			}
		}
	}
	// The search list of the organisation shows them too; a person's list
	// has no such section (persons get no reminders).
	rid := m[1][strings.Index(m[1], "rid="):]
	if _, page := b.get("/list?list=search&" + rid); !strings.Contains(page, `id="org-reminders"`) {
		t.Error("the search list of an organisation lacks its reminders")
	}
	// The summary ranks no person (persons are one line there): the
	// person's list by its row id, as a search reaches it.
	var personRow int64
	if err := db.GetContext(ctx, &personRow, `SELECT id FROM recipients WHERE kind = 'person' AND ident = '01017012343'`); err != nil {
		t.Fatal(err)
	}
	if _, page := b.get(fmt.Sprintf("/list?list=unopened&rid=%d", personRow)); strings.Contains(page, `id="org-reminders"`) {
		t.Error("a person's list shows a reminders section")
	}
	_, page = b.doIn("da-DK", "GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil)
	if !strings.Contains(page, "Påmindelser til denne organisation") || !strings.Contains(page, "ingen adresse") {
		t.Error("the reminders section is not in Danish")
	}
}
