package remind

import (
	"strings"
	"testing"
	"time"
)

// The line under the count names the letter that has waited longest, as
// its own line in the list does (its sent date, its days), and says so: a
// letter sent earlier that became available later (SvarUt letters can sit
// accepted for days) has waited less, and the line called the longest
// waiting "the oldest" beside a list whose earliest "Sendt:" was another.
func TestWaitLineNamesTheLongestWaiting(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, oslo)
	a := time.Date(2026, 11, 1, 10, 0, 0, 0, oslo)  // sent first, available 19 days later
	b := time.Date(2026, 11, 10, 10, 0, 0, 0, oslo) // sent later, available at once
	ss := []Shipment{
		{ShipmentID: "019a0000-0000-7000-8000-0000000000a1", Channel: "svarut", ChannelID: "aaaaaaaa-0000-4000-8000-000000000001",
			SenderOrg: "964338531", SentAt: a, Since: a.AddDate(0, 0, 19), Reminder: 1},
		{ShipmentID: "019a0000-0000-7000-8000-0000000000b2", Channel: "svarut", ChannelID: "bbbbbbbb-0000-4000-8000-000000000002",
			SenderOrg: "964338531", SentAt: b, Since: b, Reminder: 1},
	}
	m := Compose("974760673", "", ss, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "k1", now)
	no, en, _ := strings.Cut(m.Body, "-- English --")
	for _, tc := range []struct{ text, line, item string }{
		{no, "Det som har ventet lengst, ble sendt 10.11.2026 og har ventet i 24 dager.", "Sendt: 10.11.2026, har ventet i 24 dager"},
		{en, "The one waiting longest was sent on 10 Nov 2026 and has been waiting for 24 days.", "10 Nov 2026"},
	} {
		flat := strings.Join(strings.Fields(tc.text), " ")
		if !strings.Contains(flat, tc.line) || !strings.Contains(flat, tc.item) {
			t.Errorf("want %q beside the list's %q in:\n%s", tc.line, tc.item, tc.text)
		}
	}
}
