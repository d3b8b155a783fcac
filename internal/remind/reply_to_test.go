package remind

import (
	"context"
	"net/mail"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
)

// A business that answers a reminder all the same ("we cannot find the
// letters", "send them on paper") writes to the sending organisation's
// public contact (senders.yaml's email), not to postvakt's sender
// address, which nobody reads: the reminder of one sender with an e-mail
// contact has it as Reply-To. Letters of several senders, or of one
// without an e-mail contact, have no Reply-To: there is no one address to
// answer; nor has one of a sender the subject must not name (its address
// may say what it is). Read back from the SMTP server.
func TestReminderReplyGoesToTheSendersContact(t *testing.T) {
	t.Parallel()
	const contact = "postmottak@bergen.kommune.no"
	bergen := model.Contact{Email: contact, Phone: "+47 55 56 55 56"}
	one := sampleShipments()
	for i := range one {
		one[i].SenderContact = bergen
	}
	phoneOnly := sampleShipments()
	for i := range phoneOnly {
		phoneOnly[i].SenderContact = model.Contact{Phone: "+47 55 56 55 56"}
	}
	unnamed := sampleShipments()
	for i := range unnamed {
		unnamed[i].SenderContact, unnamed[i].SenderNotInSubject = bergen, true
	}
	two := sampleShipments()
	two[0].SenderContact = bergen
	two[1].SenderOrg, two[1].SenderOrgName = "958935420", "Oslo kommune"
	two[1].SenderContact = model.Contact{Email: "postmottak@oslo.kommune.no"}

	mp := mailpittest.Start(t)
	s, err := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	want := map[string]string{"one@firma.no": contact, "phone@firma.no": "", "two@firma.no": "", "unnamed@firma.no": ""}
	for to, ss := range map[string][]Shipment{"one@firma.no": one, "phone@firma.no": phoneOnly, "two@firma.no": two, "unnamed@firma.no": unnamed} {
		m := Compose("974760673", "Fjordfisk AS", ss, []string{to}, "postvakt@bergen.kommune.no", "k-"+to, now)
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	msgs := mp.Messages(t)
	if len(msgs) != len(want) {
		t.Fatalf("%d messages, want %d", len(msgs), len(want))
	}
	for _, m := range msgs {
		msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		to := m.To[0].Address
		if got := msg.Header.Get("Reply-To"); got != want[to] {
			t.Errorf("the reminder to %s has Reply-To %q, want %q", to, got, want[to])
		}
	}
}

// The footer tells the reader where a reply goes: with a Reply-To (one
// sender's letters, its contact e-mail), a reply reaches the sender, so it
// says so and gives the address, in every language; "do not reply" there
// would send a business with a question past the one address that answers
// it. Without a Reply-To (several senders, none with an e-mail contact, a
// sender the subject must not name) a reply goes to POSTVAKT_SMTP_FROM,
// which nobody reads: "do not reply" stays. Read back from the SMTP server.
func TestReminderFooterSaysWhereAReplyGoes(t *testing.T) {
	t.Parallel()
	const bergenMail, kkMail = "postmottak@bergen.kommune.no", "sikkerpost@kk.dk"
	one := sampleShipments()
	for i := range one {
		one[i].SenderContact = model.Contact{Email: bergenMail}
	}
	danish := danishShipments()
	for i := range danish {
		danish[i].SenderContact = model.Contact{Email: kkMail}
	}
	phoneOnly := sampleShipments()
	for i := range phoneOnly {
		phoneOnly[i].SenderContact = model.Contact{Phone: "+47 55 56 55 56"}
	}
	unnamed := sampleShipments()
	for i := range unnamed {
		unnamed[i].SenderContact, unnamed[i].SenderNotInSubject = model.Contact{Email: bergenMail}, true
	}
	two := sampleShipments()
	two[0].SenderContact = model.Contact{Email: bergenMail}
	two[1].SenderOrg, two[1].SenderOrgName = "958935420", "Oslo kommune"
	two[1].SenderContact = model.Contact{Email: "postmottak@oslo.kommune.no"}

	noReplyNB := "Ikke svar på den; ta kontakt med avsenderen hvis noe er uklart."
	noReplyEN := "Please do not reply to it; contact the sender if anything is unclear."
	cases := map[string]struct {
		ss          []Shipment
		want, never []string
	}{
		"one@firma.no": {one, []string{
			"Svarer du på den, går svaret til avsenderens kontaktadresse, " + bergenMail + ".",
			"A reply to it goes to the sender's contact address, " + bergenMail + ".",
			"If it reached the wrong person, please forward it to whoever handles your organisation's post.",
		}, []string{"Ikke svar", "not reply"}},
		"one@virksomhed.dk": {danish, []string{
			"Svarer du på den, går svaret til afsenderens kontaktadresse, " + kkMail + ".",
			"A reply to it goes to the sender's contact address, " + kkMail + ".",
			"Er den havnet hos den forkerte person, så send den videre til den, der tager sig af virksomhedens post.",
		}, []string{"Svar ikke", "not reply"}},
		"phone@firma.no":   {phoneOnly, []string{noReplyNB, noReplyEN}, []string{"går svaret", "A reply to it"}},
		"unnamed@firma.no": {unnamed, []string{noReplyNB, noReplyEN}, []string{"går svaret", "A reply to it"}},
		"two@firma.no": {two, []string{"Ikke svar på den; ta kontakt med brevets avsender", "Please do not reply to it; contact the letter's sender"},
			[]string{"går svaret", "A reply to it"}},
	}
	mp := mailpittest.Start(t)
	s, err := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	for to, c := range cases {
		m := Compose("974760673", "Fjordfisk AS", c.ss, []string{to}, "postvakt@bergen.kommune.no", "f-"+to, now)
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	msgs := mp.Messages(t)
	if len(msgs) != len(cases) {
		t.Fatalf("%d messages, want %d", len(msgs), len(cases))
	}
	for _, m := range msgs {
		to := m.To[0].Address
		text := mailpittest.Reflowed(m.Text)
		for _, want := range cases[to].want {
			if !says(text, want) {
				t.Errorf("the reminder to %s lacks %q:\n%s", to, want, text)
			}
		}
		for _, never := range cases[to].never {
			if strings.Contains(flat(text), never) {
				t.Errorf("the reminder to %s says %q:\n%s", to, never, text)
			}
		}
	}
}
