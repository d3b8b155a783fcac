package remind

import (
	"bytes"
	"context"
	"net/mail"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/storetest"
)

// TestDanishReminderSaysWhoSentItAndWhomToAsk: a Danish business reads,
// in Danish and then in English, below whom the reminder is to, who sent
// the letters, and whom at the sender to ask (the contact the escalation
// put on the letters from policies/senders.yaml); read back from the SMTP
// server, with a sender name holding & and < as the register spells it,
// in the subject and the text alike. The message is plain text only: no
// HTML part that could say otherwise or need escaping.
func TestDanishReminderSaysWhoSentItAndWhomToAsk(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	const name = "Bager & <Søn> Kommune"
	g := danishGroup(t, st, func(s *Shipment) {
		s.SenderOrgName, s.SenderContact = name, model.Contact{Email: "borgerservice@kk.dk", Phone: "+45 33 66 33 66"}
	})
	m, _ := deliverOnly(t, st, g, "post@virksomhed.dk", time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	text := strings.ReplaceAll(m.Text, "\r\n", "\n")
	if want := "Påmindelse: 2 uåbnede breve i Digital Post fra " + name + " til CVR-nr. " + virksomhed +
		" / Reminder: 2 unopened letters in Digital Post from " + name; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	for _, want := range []string{
		"Til virksomheden med CVR-nummer " + virksomhed + "\nFra " + name + " (CVR-nr. " + kobenhavn + ")\n",
		"Spørgsmål om brevene? Kontakt afsenderen:\n  " + name + " (CVR-nr. " + kobenhavn + ")\n" +
			"    E-mail: borgerservice@kk.dk\n    Telefon: +45 33 66 33 66\n",
		"To the organisation with CVR number " + virksomhed + "\nFrom " + name + " (CVR no. " + kobenhavn + ")\n",
		"Questions about the letters? Contact the sender:\n  " + name + " (CVR no. " + kobenhavn + ")\n" +
			"    E-mail: borgerservice@kk.dk\n    Phone: +45 33 66 33 66\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the delivered mail lacks %q:\n%s", want, text)
		}
	}
	for _, never := range []string{"&amp;", "&lt;", "HEMMELIG", "BUF", "text/html"} {
		if strings.Contains(m.Raw+m.Subject, never) {
			t.Errorf("the delivered mail has %q:\n%s", never, m.Raw)
		}
	}
}

// With letters of several senders, the reminder counts them at its top
// and names, under one heading, each that has a contact, and only those.
// When some sender has none, the heading says to ask each letter's own
// sender and that the contacts are some of the senders': "Contact the
// senders: Bergen kommune, Askøy kommune" above a list with a letter of
// Vestland fylkeskommune sent the business to Bergen with Vestland's
// letter.
func TestComposeContactsOfSeveralSenders(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	ss := sampleShipments()
	ss[0].SenderContact = model.Contact{Email: "postmottak@bergen.kommune.no"}
	ss[1].SenderOrg, ss[1].SenderOrgName = "974760673", "Vestland fylkeskommune"
	ss = append(ss, Shipment{ShipmentID: "019a0000-0000-7000-8000-000000000003", Channel: "svarut", ChannelID: "3f0e1d2c-0000-4000-8000-000000000003",
		SenderOrg: "991825827", SenderOrgName: "Askøy kommune", SenderContact: model.Contact{Phone: "56 15 80 00"},
		SentAt: ss[0].SentAt, Since: ss[0].Since, Reminder: 1})
	body := flat(Compose("974760673", "", ss, nil, "postvakt@bergen.kommune.no", "k", now).Body)
	for _, want := range []string{
		"Fra 3 avsendere (de står i listen nedenfor)",
		"Spørsmål om et brev? Kontakt avsenderen av det. Kontaktinformasjon for 2 av avsenderne: Bergen kommune (org.nr. 964338531) " +
			"E-post: postmottak@bergen.kommune.no Askøy kommune (org.nr. 991825827) Telefon: 56 15 80 00 Brev som venter:",
		"From 3 senders (listed below)",
		"Questions about a letter? Contact its sender. Contact details for 2 of the senders: Bergen kommune (org.nr. 964338531) " +
			"E-mail: postmottak@bergen.kommune.no Askøy kommune (org.nr. 991825827) Phone: 56 15 80 00 Letters waiting:",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the reminder lacks %q:\n%s", want, body)
		}
	}
	// Every sender with a contact: the heading names them as the senders.
	ss[1].SenderContact = model.Contact{Phone: "55 23 90 00"}
	body = flat(Compose("974760673", "", ss, nil, "postvakt@bergen.kommune.no", "k", now).Body)
	if want := "Spørsmål om brevene? Kontakt avsenderne: Bergen kommune (org.nr. 964338531)"; !strings.Contains(body, want) {
		t.Errorf("every sender with a contact: the reminder lacks %q:\n%s", want, body)
	}
	// One of two senders with a contact, in Danish too.
	dk := danishShipments()
	dk[0].SenderContact = model.Contact{Phone: "+45 33 66 33 66"}
	dk[1].SenderOrg, dk[1].SenderOrgName = "29189846", "Aarhus Kommune"
	body = flat(Compose(virksomhed, "", dk, nil, "postvakt@kk.dk", "k", now).Body)
	if want := "Spørgsmål om et brev? Kontakt afsenderen af det. Kontaktoplysninger for én af afsenderne: Københavns Kommune"; !strings.Contains(body, want) {
		t.Errorf("one of two Danish senders with a contact: the reminder lacks %q:\n%s", want, body)
	}
}

// A From display name with & and < (POSTVAKT_SMTP_FROM, quoted as RFC 5322
// wants) reaches the reader as written: the header is encoded, not passed
// on raw.
func TestFromNameWithAmpersandAndAngle(t *testing.T) {
	const name = "Fjord & <Sønner> kommune"
	m := Compose("974760673", "", sampleShipments(), []string{"post@firma.no"}, `"`+name+`" <postvakt@fjord.kommune.no>`, "k", time.Now())
	msg, err := mail.ReadMessage(bytes.NewReader(m.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != name || from[0].Address != "postvakt@fjord.kommune.no" {
		t.Fatalf("From %q read as %v (%v)", msg.Header.Get("From"), from, err)
	}
}

// TestComposeWithoutLettersDoesNotPanic: a reminder composed with no
// letters (no caller does so today) is a message without a sender line,
// not a panic in the middle of an escalation run.
func TestComposeWithoutLettersDoesNotPanic(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	m := Compose("974760673", "", nil, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "abc123", now)
	if m == nil || !strings.Contains(m.Body, "974760673") {
		t.Fatalf("a reminder without letters: %+v, want a message to 974760673", m)
	}
}

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
