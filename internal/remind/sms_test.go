package remind

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"postvakt/internal/model"
)

// gsm7 is the GSM 03.38 default alphabet; gsm7Ext its extension table's
// characters, two septets each.
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// septets is the length of s in GSM-7 septets, ok false when a character
// of s is not in GSM-7 (the SMS then goes as UCS-2: 70 characters a part,
// and 160 characters are three SMS).
func septets(s string) (n int, ok bool) {
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm7, r):
			n++
		case strings.ContainsRune(gsm7Ext, r):
			n += 2
		default:
			return 0, false
		}
	}
	return n, true
}

// The SMS of an order alone is one SMS, 160 characters of the GSM-7
// alphabet (README): a sender's name from Enhetsregisteret with a letter
// outside it (Sámi municipalities' names: PORSÁŊGGU, KÁRÁŠJOHKA; a dash
// or typographic quotes) made the whole SMS go as UCS-2, where 160
// characters are three SMS. Such a letter is written as its GSM-7 kin.
func TestSMSStaysInGSM7(t *testing.T) {
	for _, name := range []string{
		"PORSANGER KOMMUNE PORSÁŊGGU GIELDA PORSANGIN KOMUUNI",
		"Kárášjoga gielda – Karasjok kommune",
		"Statsforvalteren i Vestfold og Telemark – «Oppvekst»",
		"Đuoŋas’ Čálli AS",
	} {
		ss := sampleShipments()
		for i := range ss {
			ss[i].SenderOrgName = name
		}
		sms := SMS("974760673", ss)
		n, ok := septets(sms)
		if !ok || n > 160 {
			t.Errorf("SMS for %q is not one GSM-7 SMS (%d characters, GSM-7: %v): %q", name, utf8.RuneCountInString(sms), ok, sms)
		}
		if !strings.Contains(sms, "altinn.no") {
			t.Errorf("SMS %q lost its end", sms)
		}
	}
}

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
