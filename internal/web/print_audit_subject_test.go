package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// An unscoped admin's view and release of one organisation's print batch
// (batches are per sending organisation) are that organisation's in the
// audit log, as a view of one of its letters is: its compliance officer
// sees them, another organisation's does not (they were every
// organisation's, "*", and another organisation's officer read that the
// batch was looked at and released, with how many letters).
func TestPrintBatchAuditedAsItsOrganisations(t *testing.T) {
	e := newPrintEnv(t)
	got := e.seed(2) // 964338531's
	batch := e.heldAndManual(got[0], got[1])
	root := e.loggedIn("root", "admin", "", "")
	path := fmt.Sprintf("/print/%d", batch)
	code, page := root.get(path)
	if code != http.StatusOK {
		t.Fatalf("%s: %d", path, code)
	}
	if code, _, body := root.post(path+"/release", formOf(t, page, path+"/release")); code != http.StatusSeeOther {
		t.Fatalf("release: %d %.300s", code, body)
	}
	object := fmt.Sprintf(`"print_batch %d"`, batch)
	for _, tc := range []struct {
		org  string
		sees bool
	}{{"964338531", true}, {"974760673", false}} {
		code, body := e.get("/api/v1/audit?actor=user:root&limit=1000", e.token("compliance", tc.org, ""))
		if code != http.StatusOK {
			t.Fatalf("audit of %s: %d %s", tc.org, code, body)
		}
		for _, action := range []string{`"view_list"`, `"print_release"`} {
			seen := strings.Contains(body, `"action":`+action+`,"object":`+object)
			if seen != tc.sees {
				t.Errorf("%s's compliance officer sees the admin's %s of %s: %v, want %v\n%s", tc.org, action, object, seen, tc.sees, body)
			}
		}
	}
}

// An unscoped admin's settling of a reminder that lists one organisation's
// letters only is that organisation's in the audit log: another
// organisation's officer does not read which receiving organisation it
// went to (it was every organisation's, "*").
func TestReminderSettledAuditedAsItsOrganisations(t *testing.T) {
	e := newEnv(t)
	a, _ := e.seedTwoOrgs()
	id := e.unknownReminder(t, "910859897", a)
	root := e.loggedIn("root", "admin", "", "")
	_, page := root.get("/reminders")
	if code, _, body := root.post(fmt.Sprintf("/reminders/%d/confirm", id), url.Values{"csrf": {csrf(page)}}); code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %.300s", code, body)
	}
	object := fmt.Sprintf(`"action":"reminder_confirm","object":"notification %d"`, id)
	for _, tc := range []struct {
		org  string
		sees bool
	}{{orgA, true}, {orgB, false}} {
		code, body := e.get("/api/v1/audit?actor=user:root&limit=1000", e.token("compliance", tc.org, ""))
		if code != http.StatusOK {
			t.Fatalf("audit of %s: %d %s", tc.org, code, body)
		}
		if seen := strings.Contains(body, object); seen != tc.sees {
			t.Errorf("%s's compliance officer sees the admin's confirmation: %v, want %v\n%s", tc.org, seen, tc.sees, body)
		}
	}
}

// unknownReminder claims a reminder to org of s (its first) and leaves it
// of unknown outcome, as a send cut off mid-dialogue does: for an officer
// to settle.
func (e *env) unknownReminder(t *testing.T, org string, s store.Shipment) int64 {
	t.Helper()
	res, err := e.st.ClaimNotification(context.Background(), store.Claim{Org: org, Now: now,
		Items: []model.ReminderItem{{ShipmentID: s.ID, Reminder: 1}}})
	if err != nil || res.Notification == nil {
		t.Fatalf("claim a reminder of letter %s to %s: %+v %v", s.ID, org, res, err)
	}
	e.st.DB().MustExec(`UPDATE notifications SET status = 'unknown' WHERE id = $1`, res.Notification.ID)
	return res.Notification.ID
}
