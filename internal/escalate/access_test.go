package escalate

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// An organisation with a firing never_opening_org alert gets a reminder
// that opens with how to get the access role; another does not.
func TestReminderToAnOrganisationWithoutAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	orgs := orgNumbers(2)
	sent := time.Date(2026, 3, 2, 9, 0, 0, 0, oslo) // a Monday
	h.register(ship{recipient: orgs[0], class: "taushetsbelagt", conf: true, sent: sent},
		ship{recipient: orgs[1], class: "taushetsbelagt", conf: true, sent: sent})
	h.contacts(orgs...)
	if _, err := h.st.ApplyAlerts(context.Background(), store.AlertChanges{Now: sent, Fire: []store.Alert{{
		Rule: "never_opening_org", Labels: store.Labels{"org": orgs[0]}, Severity: "info", Affected: 1,
		Selector: store.IncidentFilter{Org: orgs[0]}}}}); err != nil {
		t.Fatal(err)
	}
	sum := h.run(time.Date(2026, 3, 6, 9, 30, 0, 0, oslo)) // taushetsbelagt: first reminder after 2 business days
	if sum.Orgs != 2 {
		t.Fatalf("summary %+v", sum)
	}
	got := map[string]string{}
	for _, m := range h.mp.Messages(t) {
		got[m.To[0].Address] = m.Text
	}
	if len(got) != 2 {
		t.Fatalf("%d messages", len(got))
	}
	none, some := got["post-"+orgs[0]+"@example.no"], got["post-"+orgs[1]+"@example.no"]
	if !strings.Contains(none, "Ingen i virksomheten har åpnet de siste brevene") || !strings.Contains(none, "Nobody in your organisation") {
		t.Errorf("the organisation without access got the ordinary reminder:\n%s", none)
	}
	if strings.Contains(some, "Ingen i virksomheten har åpnet") {
		t.Errorf("an ordinary organisation got the access reminder")
	}
	h.checkLogs()
}
