package remind

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A reminder names each sending organisation one way throughout: by its
// name wherever any of its letters carries the name, also on the letters
// that do not (in each language's list and in the list of the rest at the
// end), never "Avsender: org.nr. …" beside "Avsender: Bergen kommune" for
// the same organisation. An organisation none of whose letters carries a
// name stays by its number.
func TestReminderNamesEachSenderOneWay(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	sent := now.AddDate(0, 0, -30)
	var ss []Shipment
	for i := range maxListed + 4 {
		s := Shipment{ShipmentID: fmt.Sprintf("019a0000-0000-7000-8000-%012d", i), Channel: "svarut",
			ChannelID: fmt.Sprintf("sv-name-%d", i), SenderOrg: "964338531", SentAt: sent, Since: sent, Reminder: 1}
		if i == 1 { // only the second letter carries its sender's name
			s.SenderOrgName = "Bergen kommune"
		}
		if i == 3 { // a sender whose name no letter carries
			s.SenderOrg = "991825827"
		}
		ss = append(ss, s)
	}
	body := Compose(firma, "", ss, nil, "postvakt@bergen.kommune.no", "k", now).Body
	for _, never := range []string{"Avsender: org.nr. 964338531", "Sender: org.nr. 964338531", " org.nr. 964338531, 25.10.2026"} {
		if strings.Contains(body, never) {
			t.Errorf("a letter of Bergen kommune is named by its number alone (%q), another by its name:\n%s", never, body)
		}
	}
	// Each language lists maxListed letters; 53 of them are Bergen's; the
	// four beyond are listed once at the end, all Bergen's.
	for want, n := range map[string]int{
		"Avsender: Bergen kommune (org.nr. 964338531)\n": maxListed - 1,
		"Sender: Bergen kommune (org.nr. 964338531)\n":   maxListed - 1,
		"Bergen kommune (org.nr. 964338531), 25.10.2026": 4,
		"Avsender: org.nr. 991825827\n":                  1,
		"Sender: org.nr. 991825827\n":                    1,
	} {
		if got := strings.Count(body, want); got != n {
			t.Errorf("%q %d times, want %d:\n%s", want, got, n, body)
		}
	}
}
