package remind

import (
	"context"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
)

// A reminder's subject is in two languages and encoded (å, ø): it is
// folded at the spaces between its words, so that no header line passes
// 78 characters (RFC 5322 2.1.1), the first neither: "Subject: " and an
// encoded-word of 75 (RFC 2047) made one of 84, so the fold comes before
// that word; it reads back exactly as composed; a plain ASCII subject as
// well.
func TestSubjectIsFolded(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	dk := danishShipments()
	long := &Message{From: "postvakt@kk.dk", To: []string{"post@firma.no"}, Date: now, MessageID: "<x@kk.dk>",
		Subject: strings.Repeat("Reminder: unopened letters in Digital Post ", 4) + "end", Body: "x\n"}
	for _, m := range []*Message{
		Compose("974760673", "Fjordfisk AS", sampleShipments(), []string{"post@firma.no"}, "Bærum kommune <postvakt@baerum.example>", "k", now),
		Compose(virksomhed, "", dk, []string{"post@virksomhed.dk"}, "postvakt@kk.dk", "k", now),
		long,
	} {
		raw := string(m.Bytes())
		head, _, _ := strings.Cut(raw, "\r\n\r\n")
		var subject []string
		in := false
		for _, line := range strings.Split(head, "\r\n") {
			switch {
			case strings.HasPrefix(line, "Subject:"):
				in = true
			case !strings.HasPrefix(line, " "):
				in = false
			}
			if in {
				subject = append(subject, line)
			}
		}
		for i, line := range subject {
			if len(line) > 78 {
				t.Errorf("subject line %d has %d characters: %q", i+1, len(line), line)
			}
		}
		if len(subject) < 2 {
			t.Errorf("a subject of %d characters on one header line: %q", len(m.Subject), subject)
		}
		msg, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != m.Subject {
			t.Errorf("subject reads back as %q (%v), want %q", got, err, m.Subject)
		}
	}
}

// A reminder is marked as sent automatically (RFC 3834), and Exchange is
// told not to answer it with an out-of-office or other automatic reply:
// thousands of reminders must not bring thousands of them back.
func TestReminderAsksForNoAutoReply(t *testing.T) {
	m := Compose("974760673", "", sampleShipments(), []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "k", time.Date(2026, 11, 24, 9, 30, 0, 0, oslo))
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted: %q", got)
	}
	if got := msg.Header.Get("X-Auto-Response-Suppress"); got != "OOF, AutoReply" {
		t.Errorf("X-Auto-Response-Suppress: %q", got)
	}
}

// A sender address with a long display name in Danish or Norwegian
// (POSTVAKT_SMTP_FROM "Københavns Kommune – Børne- og Ungdomsforvaltningen
// <…>") is encoded in two encoded-words: its From header is folded
// between them as the subject is, so that no line of it passes 78
// characters, the first neither ("From: " and an encoded-word of 75 made
// one of 81: the fold comes before that word), and the name arrives whole.
func TestFromWithLongNameIsFolded(t *testing.T) {
	t.Parallel()
	const name = "Københavns Kommune – Børne- og Ungdomsforvaltningen – Sikker post"
	from := name + " <postvakt@kk.dk>"
	mp := mailpittest.Start(t)
	s, err := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@kk.dk"})
	if err != nil {
		t.Fatal(err)
	}
	m := Compose(virksomhed, "", danishShipments(), []string{"post@virksomhed.dk"}, from, "k", time.Date(2026, 11, 24, 9, 30, 0, 0, oslo))
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := mp.Messages(t)
	if len(got) != 1 {
		t.Fatalf("%d messages on the server, want 1", len(got))
	}
	head, _, _ := strings.Cut(got[0].Raw, "\r\n\r\n")
	in := false
	for _, line := range strings.Split(head, "\r\n") {
		switch {
		case strings.HasPrefix(line, "From:"):
			in = true
		case !strings.HasPrefix(line, " "):
			in = false
		}
		if in && len(line) > 78 {
			t.Errorf("From header line of %d characters: %q", len(line), line)
		}
	}
	if got[0].From.Name != name || got[0].From.Address != "postvakt@kk.dk" {
		t.Errorf("From arrives as %q <%s>, want %q <postvakt@kk.dk>", got[0].From.Name, got[0].From.Address, name)
	}
}

// A sending organisation whose very name tells what its letters are about
// (policies/senders.yaml, name_in_subject: false) is named in no
// language's subject, nor in the body's first paragraphs, which inbox
// lists and a locked phone's notification show beside the subject: the
// From line and the no-access notice give it by number, the From line
// saying its name follows. Further down, behind the opened message, the
// contact lines and the list of letters name it, so the business knows
// whose letters wait. By default (the setting not given) the subject and
// the From line name it, as before. On Altinn (Norwegian) and Digital Post
// (Danish) alike.
func TestSenderKeptOutOfTheSubject(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	const krise, kriseName = "987654325", "Krisesenteret i Bergen IKS"
	const dk, dkName = "29189846", "Familiecentret i Roskilde"
	with := func(ss []Shipment, org, name string, notInSubject bool) []Shipment {
		for i := range ss {
			ss[i].SenderOrg, ss[i].SenderOrgName, ss[i].SenderNotInSubject, ss[i].NoAccess = org, name, notInSubject, true
			ss[i].SenderContact = model.Contact{Phone: "+47 55 56 55 56"}
		}
		return ss
	}
	for _, c := range []struct {
		lang             string
		receiver, name   string
		ss               func(notInSubject bool) []Shipment
		how              string   // the first language's how-to heading: the preview ends above it
		fromUnnamed      []string // the From line in each language, by number
		named, contact   []string // further down, by name
		fromNamedDefault string
	}{
		{"nb", firma, kriseName, func(b bool) []Shipment { return with(sampleShipments(), krise, kriseName, b) }, "Slik leser dere brevene:",
			[]string{"\nFra org.nr. " + krise + " (navnet står lenger ned)\n", "\nFrom org.nr. " + krise + " (named below)\n"},
			[]string{"Avsender: " + kriseName + " (org.nr. " + krise + ")", "Sender: " + kriseName + " (org.nr. " + krise + ")"},
			[]string{"Kontakt avsenderen:\n  " + kriseName + " (org.nr. " + krise + ")\n", "Contact the sender:\n  " + kriseName + " (org.nr. " + krise + ")\n"},
			"\nFra " + kriseName + " (org.nr. " + krise + ")\n"},
		{"da", virksomhed, dkName, func(b bool) []Shipment { return with(danishShipments(), dk, dkName, b) }, "Sådan læser I brevene:",
			[]string{"\nFra CVR-nr. " + dk + " (navnet står længere nede)\n", "\nFrom CVR no. " + dk + " (named below)\n"},
			[]string{"Afsender: " + dkName + " (CVR-nr. " + dk + ")", "Sender: " + dkName + " (CVR no. " + dk + ")"},
			[]string{"Kontakt afsenderen:\n  " + dkName + " (CVR-nr. " + dk + ")\n", "Contact the sender:\n  " + dkName + " (CVR no. " + dk + ")\n"},
			"\nFra " + dkName + " (CVR-nr. " + dk + ")\n"},
	} {
		m := Compose(c.receiver, "Fjordfisk AS", c.ss(true), nil, "postvakt@bergen.kommune.no", "k", now)
		if strings.Contains(m.Subject, c.name) || !strings.Contains(m.Subject, c.receiver) {
			t.Errorf("%s: subject %q names the sender kept out of it (or not the receiver)", c.lang, m.Subject)
		}
		preview, _, ok := strings.Cut(m.Body, c.how)
		if !ok {
			t.Fatalf("%s: no %q in\n%s", c.lang, c.how, m.Body)
		}
		if strings.Contains(flat(preview), c.name) {
			t.Errorf("%s: the body's first paragraphs name the sender kept out of the subject:\n%s", c.lang, preview)
		}
		for _, want := range append(append(c.fromUnnamed, c.named...), c.contact...) {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s: the reminder lacks %q:\n%s", c.lang, want, m.Body)
			}
		}

		// By default the subject and the From line name it.
		m = Compose(c.receiver, "Fjordfisk AS", c.ss(false), nil, "postvakt@bergen.kommune.no", "k", now)
		if !strings.Contains(m.Subject, c.name) || !strings.Contains(m.Body, c.fromNamedDefault) {
			t.Errorf("%s: by default the subject %q and the From line should name the sender:\n%s", c.lang, m.Subject, m.Body)
		}
	}
}

// A sender kept out of the subject whose name no letter carries is given
// by its number, as any sender without a name: no "(its name follows)"
// that nothing below would keep.
func TestSenderKeptOutOfTheSubjectWithoutName(t *testing.T) {
	ss := sampleShipments()
	for i := range ss {
		ss[i].SenderOrgName, ss[i].SenderNotInSubject = "", true
	}
	body := Compose(firma, "", ss, nil, "postvakt@bergen.kommune.no", "k", time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)).Body
	if !strings.Contains(body, "\nFra org.nr. 964338531\n") || !strings.Contains(body, "\nFrom org.nr. 964338531\n") {
		t.Errorf("want the From line by number alone:\n%s", body)
	}
}

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
