package remind

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"postvakt/internal/remind/mailpittest"
)

// TestReminderReflowsOnAPhone: a reminder is format=flowed plain text
// (RFC 3676), read back from the SMTP server. A client that reflows (the
// phone's) joins each prose paragraph into one line to fill its own
// width, instead of wrapping every 72-character line into a long one and a
// short one; the numbered steps and the letters' lines keep their breaks
// and indentation (space-stuffed on the wire, so the reader gets them
// back as composed); a client that does not reflow shows the text as
// composed.
func TestReminderReflowsOnAPhone(t *testing.T) {
	t.Parallel()
	st, g := fixture(t, 2)
	m, out := deliverOnly(t, st, g, "post@firma.no", time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	if !strings.Contains(m.Raw, "Content-Type: text/plain; charset=utf-8; format=flowed\r\n") {
		t.Fatalf("not flowed plain text:\n%s", m.Raw)
	}
	if m.Text != out.Message.Body {
		t.Errorf("the text read back differs from the composed one:\n%s\n---\n%s", m.Text, out.Message.Body)
	}
	phone := mailpittest.Reflowed(m.Text)
	for _, want := range []string{
		// a paragraph, one line
		"\nDisse 2 brevene til virksomheten ligger i Altinn og er ikke åpnet ennå. De kan inneholde taushetsbelagte " +
			"opplysninger, og derfor står det ikke her hva de gjelder. Det kan ligge flere uåpnede brev i innboksen.\n",
		"\nThese 2 letters for your organisation are in Altinn and have not been opened yet. They may contain " +
			"confidential information, so this message does not say what they are about. More unopened letters may " +
			"be waiting in the inbox.\n",
		// steps and letters as composed
		"\n  1. Logg inn på Altinn (https://www.altinn.no) og velg å representere\n     virksomheten.\n  2. Åpne innboksen og les brevene.\n",
		"\n  1. SvarUt-forsendelse sv-0\n     Avsender: org.nr. 964338531\n",
	} {
		if !strings.Contains(phone, want) {
			t.Errorf("reflowed, the reminder lacks %q:\n%s", want, phone)
		}
	}
	for i, line := range strings.Split(m.Text, "\n") {
		if strings.HasPrefix(line, " ") && strings.HasSuffix(line, " ") {
			t.Errorf("line %d is indented and soft-broken: a reader would join its indentation into the text: %q", i+1, line)
		}
	}
}

// TestFlowedOnTheWire: Bytes of a format=flowed message follows RFC 3676
// as the reader gets it after the quoted-printable transfer encoding. A
// line that begins with a space, ">" or "From " goes with one space more
// (space-stuffing, 4.4: else a reader takes a space off the indentation,
// reads ">" as a quote, or an mbox turns "From " into ">From "); a line
// beginning otherwise goes as it is. A soft break's trailing space is
// encoded (=20) so that no relay trims it, also on a line long enough for
// quoted-printable's own soft breaks, and no encoded line ends in white
// space (RFC 2045 6.7 (3)). The parameters say format=flowed without
// DelSp (the soft break's space is the space between two words: DelSp=yes
// would join them). A message that is not flowed goes unstuffed, without
// format=flowed.
func TestFlowedOnTheWire(t *testing.T) {
	long := strings.Repeat("æøå ", 17) // 68 characters, 119 bytes: quoted-printable breaks it
	body := "Til Fjordfisk AS, denne linjen \nflyter videre.\n" +
		"From Bergen kommune (org.nr. 964338531)\n" +
		">ikke et sitat\n" +
		"  1. Logg inn\n" +
		"Fromage is no From line\n" +
		long + "\nslutt.\n"
	m := &Message{From: "postvakt@bergen.kommune.no", To: []string{"post@firma.no"}, Subject: "s", MessageID: "<x@y>",
		Date: time.Date(2026, 11, 24, 9, 30, 0, 0, oslo), Body: body, Flowed: true}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "text/plain" || params["format"] != "flowed" || len(params) != 2 {
		t.Fatalf("Content-Type %q: want text/plain; charset=utf-8; format=flowed, no DelSp", msg.Header.Get("Content-Type"))
	}
	encoded, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(encoded), "\r\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			t.Errorf("encoded line %d ends in white space, which a relay may trim: %q", i+1, line)
		}
	}
	if !strings.Contains(string(encoded), "denne linjen=20\r\n") {
		t.Errorf("the soft break's space is not encoded at the line's end:\n%s", encoded)
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(encoded)))
	if err != nil {
		t.Fatal(err)
	}
	want := "Til Fjordfisk AS, denne linjen \nflyter videre.\n" +
		" From Bergen kommune (org.nr. 964338531)\n" +
		" >ikke et sitat\n" +
		"   1. Logg inn\n" +
		"Fromage is no From line\n" +
		long + "\nslutt.\n"
	if got := strings.ReplaceAll(string(decoded), "\r\n", "\n"); got != want {
		t.Errorf("the body as the reader decodes it:\n%q\nwant\n%q", got, want)
	}

	m.Flowed = false
	msg, err = mail.ReadMessage(bytes.NewReader(m.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q of a message not flowed", ct)
	}
	if decoded, err = io.ReadAll(quotedprintable.NewReader(msg.Body)); err != nil || strings.ReplaceAll(string(decoded), "\r\n", "\n") != body {
		t.Errorf("a message not flowed is space-stuffed (%v):\n%q", err, decoded)
	}
}
