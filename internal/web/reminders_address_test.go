package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// After "Add address" on /reminders the page says so at once: the address
// is saved and the reminder that waited goes out with the next escalation
// run (the notification stays no_address until that run), and the row
// shows the address as added and not sent yet, without the form that asks
// for one again.
func TestAddedAddressShowsAsPending(t *testing.T) {
	e := newEnv(t)
	a, _ := e.seedTwoOrgs()
	res, err := e.st.ClaimNotification(context.Background(), store.Claim{Org: "910859897", Now: now,
		Items: []model.ReminderItem{{ShipmentID: a.ID, Reminder: 1}}})
	if err != nil || res.Notification == nil || res.Notification.Status != store.NotifyNoAddress {
		t.Fatalf("no-address reminder: %+v %v", res, err)
	}
	off := e.loggedIn("a-officer", "compliance", orgA, "")
	_, page := off.get("/reminders")
	if !strings.Contains(page, "add-contact") || strings.Contains(page, `id="address-added"`) {
		t.Fatalf("before: the row should ask for an address, nothing confirmed:\n%s", page)
	}
	code, loc, body := off.post("/contacts", url.Values{"csrf": {csrf(page)}, "org": {"910859897"}, "email": {"post@mottaker.example"}})
	if code != http.StatusSeeOther {
		t.Fatalf("add address: %d %.300s", code, body)
	}
	code, page = off.get(loc)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, code)
	}
	if !strings.Contains(page, `id="address-added"`) || !strings.Contains(page, "Address saved for 910859897 (post@mottaker.example)") ||
		!strings.Contains(page, "next escalation run") {
		t.Errorf("no confirmation after adding the address:\n%s", page)
	}
	row := page[strings.Index(page, `<tr class="reminder no_address">`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "address added (post@mottaker.example), not sent yet") || strings.Contains(row, "add-contact") ||
		strings.Contains(row, ">no address<") {
		t.Errorf("the row should show the address as pending, without the form:\n%s", row)
	}
	// The confirmation is the page's own: ?added= for an organisation
	// without an address says nothing.
	if _, page = off.get("/reminders?added=974760673"); strings.Contains(page, `id="address-added"`) {
		t.Error("confirmation shown for an organisation that has no address")
	}
}
