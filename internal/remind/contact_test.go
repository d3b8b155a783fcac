package remind

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
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
