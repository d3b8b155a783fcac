package remind

import (
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
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
