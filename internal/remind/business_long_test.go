package remind

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A business with hundreds of unopened letters (the README's own dry-run
// example: 812 letters to one organisation; Bergen: 1,307 at 162 businesses)
// gets one message that says what to do before its list, and lists at most
// maxListed letters in each language ("... and 762 more").
func TestLongReminderSaysWhatToDoFirst(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	var ss []Shipment
	for i := range 812 {
		sent := now.AddDate(0, 0, -30)
		ss = append(ss, Shipment{ShipmentID: fmt.Sprintf("019a0000-0000-7000-8000-%012d", i), Channel: "svarut",
			ChannelID: fmt.Sprintf("d6b23522-ddf3-462a-8140-%012d", i), SenderOrg: "964338531", SenderOrgName: "Bergen kommune",
			SentAt: sent, Since: sent, Reminder: 1})
	}
	m := Compose("974760673", "", ss, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "long", now)
	lines := strings.Split(m.Body, "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "Logg inn på Altinn") {
			at = i
			break
		}
	}
	if at < 0 || at > 60 {
		t.Errorf("how to read the letters is on line %d of %d (%d KB): it must come before a long list of letters, or the list be cut short",
			at+1, len(lines), len(m.Bytes())/1024)
	}
}
