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
	"unicode/utf8"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
)

// TestReminderReflowsOnAPhone: a reminder is format=flowed plain text
// (RFC 3676), read back from the SMTP server. A client that reflows (the
// phone's) joins each prose paragraph into one line to fill its own
// width, instead of wrapping every 72-character line into a long one and a
// short one; the numbered steps and the letters' lines keep their breaks
// and indentation (space-stuffed on the wire, so the reader gets them
// back as composed, and no soft break before an indented line); a client
// that does not reflow shows the text as composed.
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
	checkNoIndentJoined(t, m.Text)
}

// checkNoIndentJoined fails t when a soft-broken line of text (ending in a
// space) is followed by an indented one: a reader that reflows would join
// the indentation into the text ("Avsender: …      Sendt: …"). An indented
// line may end in a space only when its continuation starts at the margin
// (a contact line broken after its label, flowLine).
func checkNoIndentJoined(t *testing.T, text string) {
	t.Helper()
	lines := strings.Split(text, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.HasSuffix(lines[i], " ") && strings.HasPrefix(lines[i+1], " ") {
			t.Errorf("line %d is soft-broken before an indented line: a reader would join the indentation into the text: %q / %q", i+1, lines[i], lines[i+1])
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

// TestLongContactLineFlowsOnTheWire: a contact line longer than a line
// may be (an e-mail address of 66 characters under its label: 78, and 79
// space-stuffed, where RFC 3676 wants at most 78 and the reminder's text
// is filled to lineWidth) is soft-broken after its label on the wire, as
// read back from the SMTP server: no line as sent passes 78 characters,
// none with a word boundary passes lineWidth (one more space-stuffed); the
// label ends in a space (encoded =20, so no relay trims it) and the
// address follows whole at the margin. A reader that reflows joins it back
// into the line as composed, in both languages; the text read back is the
// composed body.
func TestLongContactLineFlowsOnTheWire(t *testing.T) {
	t.Parallel()
	const addr = "postmottak.familievernkontoret.for.bergen.og.omegn.vest@bufetat.no"
	st, g := fixture(t, 2)
	for i := range g.Shipments {
		g.Shipments[i].SenderOrgName = "Bergen kommune"
		g.Shipments[i].SenderContact = model.Contact{Email: addr, Phone: "+47 55 56 55 56"}
	}
	m, out := deliverOnly(t, st, g, "post@firma.no", time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type")); err != nil || params["format"] != "flowed" {
		t.Fatalf("Content-Type %q: want format=flowed", msg.Header.Get("Content-Type"))
	}
	encoded, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	encodedText := strings.ReplaceAll(string(encoded), "\r\n", "\n")
	decoded, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(encodedText)))
	if err != nil {
		t.Fatal(err)
	}
	wire := string(decoded)
	for i, line := range strings.Split(wire, "\n") {
		n := utf8.RuneCountInString(line)
		if n > 78 || (n > lineWidth+1 && len(strings.Fields(line)) > 1) {
			t.Errorf("line %d as sent has %d characters: %q", i+1, n, line)
		}
	}
	for _, want := range []string{"\n     E-post: \n" + addr + "\n", "\n     E-mail: \n" + addr + "\n"} {
		if !strings.Contains(wire, want) {
			t.Errorf("the wire lacks the contact line soft-broken after its label %q:\n%s", want, wire)
		}
	}
	if !strings.Contains(encodedText, "E-post:=20\n") {
		t.Errorf("the soft break's space is not encoded at the line's end:\n%s", encodedText)
	}
	if m.Text != out.Message.Body {
		t.Errorf("the text read back differs from the composed one:\n%s\n---\n%s", m.Text, out.Message.Body)
	}
	checkNoIndentJoined(t, m.Text)
	phone := mailpittest.Reflowed(m.Text)
	for _, want := range []string{"\n    E-post: " + addr + "\n    Telefon: +47 55 56 55 56\n", "\n    E-mail: " + addr + "\n    Phone: +47 55 56 55 56\n"} {
		if !strings.Contains(phone, want) {
			t.Errorf("reflowed, the reminder lacks %q:\n%s", want, phone)
		}
	}
}
