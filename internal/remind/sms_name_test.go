package remind

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

// From an independent review of reminders: a sender whose name must not show where a locked phone shows it
// (senders.yaml name_in_subject: false) is kept out of the e-mail's subject
// and first lines, and the SMS of an order alone (channel EmailPreferred:
// the text a small business's phone shows on its lock screen) must not name
// it either (it did).
func TestSMSKeepsOutASenderKeptOutOfTheSubject(t *testing.T) {
	const krise, kriseName = "987654325", "Krisesenteret i Bergen IKS"
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	for _, c := range []struct {
		name string
		ss   []Shipment
	}{
		{"one letter", sampleShipments()[:1]},
		{"two letters", sampleShipments()},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.ss {
				c.ss[i].SenderOrg, c.ss[i].SenderOrgName, c.ss[i].SenderNotInSubject = krise, kriseName, true
				c.ss[i].NameUnit = false
				c.ss[i].SenderContact = model.Contact{Phone: "+47 55 56 55 56"}
			}
			m := Compose("974760673", "", c.ss, nil, "postvakt@bergen.kommune.no", "k", now)
			if strings.Contains(m.Subject, kriseName) {
				t.Fatalf("precondition: subject names it: %q", m.Subject)
			}
			sms := SMS("974760673", c.ss)
			order, err := OrderRequest(1, "k", "974760673", "res", m, sms)
			if err != nil {
				t.Fatal(err)
			}
			var o struct {
				Recipient struct {
					RecipientOrganization struct {
						SmsSettings struct{ Body string } `json:"smsSettings"`
					} `json:"recipientOrganization"`
				} `json:"recipient"`
			}
			if err := json.Unmarshal(order, &o); err != nil {
				t.Fatal(err)
			}
			if body := o.Recipient.RecipientOrganization.SmsSettings.Body; strings.Contains(body, "Krisesenteret") {
				t.Errorf("the SMS (shown on a locked phone) names the sender kept out of the subject: %q", body)
			}
		})
	}
}
