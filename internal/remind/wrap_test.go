package remind

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
)

// A reminder reads as plain text in any mail client: no line is longer
// than lineWidth characters (but for a single word such as a URL), so a
// paragraph whose sender name was put in does not run on past the others
// and then stop short; an organisation number stays on one line with its
// label; a numbered step's continuation stands under its text. In every
// language, with the no-access notice, a long sender name and more letters
// than are listed in full.
func TestReminderLinesAreFilled(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	long := func(ss []Shipment, name string) []Shipment {
		var out []Shipment
		for i := range maxListed + 3 {
			s := ss[i%len(ss)]
			s.ChannelID = fmt.Sprintf("d6b23522-ddf3-462a-8140-%012d", i)
			s.SenderOrgName, s.NoAccess = name, true
			out = append(out, s)
		}
		return out
	}
	for _, c := range []struct {
		m     *Message
		wants []string
	}{
		{Compose("974760673", "Vestlandske Fjordfisk og Skalldyr Åsane AS", long(sampleShipments(), "Bergen kommune, Byrådsavdeling for helse og omsorg"),
			nil, "postvakt@bergen.kommune.no", "k1", now), []string{
			"  1. Logg inn på Altinn (https://www.altinn.no) og velg å representere\n     virksomheten.\n",
			"  1. Log in to Altinn (https://www.altinn.no) and choose to act on\n     behalf of the organisation.\n",
			"\n  53. SvarUt-forsendelse d6b23522-ddf3-462a-8140-000000000052\n      Bergen kommune, Byrådsavdeling for helse og omsorg\n      (org.nr. 964338531), Barnevernstjenesten, 20.11.2026\n",
		}},
		{Compose(virksomhed, "Bageriet Ærø ApS", long(danishShipments(), "Københavns Kommune, Børne- og Ungdomsforvaltningen"),
			nil, "postvakt@kk.dk", "k2", now), []string{
			"  1. Log ind på Digital Post på virk.dk (https://virk.dk/digitalpost)\n     med MitID Erhverv, eller brug Digital Post-appen.\n",
		}},
	} {
		m := c.m
		lines := strings.Split(m.Body, "\n")
		for i, line := range lines {
			if utf8.RuneCountInString(line) > lineWidth && len(strings.Fields(line)) > 1 {
				t.Errorf("line %d has %d characters (at most %d): %q", i+1, utf8.RuneCountInString(line), lineWidth, line)
			}
			if f := strings.Fields(line); len(f) > 0 && (strings.HasSuffix(f[len(f)-1], "nr.") || strings.HasSuffix(f[len(f)-1], "no.")) {
				t.Errorf("line %d breaks an organisation number from its label: %q / %q", i+1, line, lines[i+1])
			}
		}
		for _, want := range c.wants {
			if !strings.Contains(m.Body, want) {
				t.Errorf("the reminder lacks\n%s\n%s", want, m.Body)
			}
		}
		// Nothing lost: the texts read the same, however the lines break.
		if !strings.Contains(flat(m.Body), "Ingen i virksomheden har åbnet de seneste breve fra Københavns Kommune, Børne- og Ungdomsforvaltningen (CVR-nr. 64942212). Sandsynligvis har ingen medarbejder adgang") &&
			!strings.Contains(flat(m.Body), "Ingen i virksomheten har åpnet de siste brevene fra Bergen kommune, Byrådsavdeling for helse og omsorg (org.nr. 964338531). Trolig har ingen tilgang") {
			t.Errorf("the no-access notice is not there, or not whole:\n%s", m.Body)
		}
	}
}

// flowLine soft-breaks a line written whole that passes the width at its
// last space within it (the space ending the line, the line within the
// width with it), the rest unindented, so that the pieces joined give the
// line back; a line within the width, a single word however long, and a
// line fill soft-broke after a long word come back as they are; a long
// word is broken after, not inside.
func TestFlowLine(t *testing.T) {
	addr := "postmottak.familievernkontoret.bergen.og.omegn@bufetat.no" // 57 characters
	for _, c := range []struct {
		line string
		want []string
	}{
		{"    E-post: post@firma.no", []string{"    E-post: post@firma.no"}},
		{"    E-post: " + addr + "xyz", []string{"    E-post: " + addr + "xyz"}},  // 72: fits
		{"    E-post: " + addr + "xyzw", []string{"    E-post: ", addr + "xyzw"}}, // 73
		{"    E-mail: " + strings.Repeat("ø", 80) + "@kk.dk", []string{"    E-mail: ", strings.Repeat("ø", 80) + "@kk.dk"}},
		{"    " + strings.Repeat("x", 80), []string{"    " + strings.Repeat("x", 80)}},
		{strings.Repeat("x", 80) + " ", []string{strings.Repeat("x", 80) + " "}},
		{strings.Repeat("x", 80) + " y", []string{strings.Repeat("x", 80) + " ", "y"}},
		{"  1. SvarUt-forsendelse " + strings.Repeat("a", 60), []string{"  1. SvarUt-forsendelse ", strings.Repeat("a", 60)}},
		{strings.Repeat("ord ", 30) + "slutt", []string{strings.Repeat("ord ", 18), strings.Repeat("ord ", 12) + "slutt"}},
	} {
		got := flowLine(c.line, 72)
		if !slices.Equal(got, c.want) {
			t.Errorf("flowLine(%q)\n = %q\nwant %q", c.line, got, c.want)
		}
		if strings.Join(got, "") != c.line {
			t.Errorf("flowLine(%q): the pieces joined are %q", c.line, strings.Join(got, ""))
		}
	}
}

// A count is written with a no-break space in Norwegian (i18n.FormatInt:
// "1 307"), so that it never wraps: filling a paragraph keeps that space
// as it is and never breaks a line inside the number, wherever the number
// falls; a reader that reflows (format=flowed) does not break it either.
func TestFillKeepsNoBreakSpaces(t *testing.T) {
	const n = "1\u00a0307"
	for _, c := range []struct {
		name, text string
	}{
		{"at the start", n + " brev venter"},
		{"at the end of a line", strings.Repeat("x", 66) + " " + n + " brev venter"},
		{"across the width", strings.Repeat("x", 69) + " " + n + " brev venter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := fill(c.text, lineWidth)
			joined := strings.Join(got, "\n")
			if !strings.Contains(joined, n) {
				t.Errorf("fill(%q) = %q: the number %q is not kept whole", c.text, got, n)
			}
		})
	}
	now := time.Date(2026, 12, 5, 9, 30, 0, 0, oslo)
	var ss []Shipment
	for i := range 1307 {
		s := sampleShipments()[0]
		s.ChannelID = fmt.Sprintf("sv-%d", i)
		ss = append(ss, s)
	}
	body := Compose(firma, "", ss, nil, "postvakt@bergen.kommune.no", "k", now).Body
	for _, want := range []string{"Disse " + n + " brevene", "og 1\u00a0257 brev til"} {
		if !strings.Contains(body, want) {
			t.Errorf("the reminder lacks %q (its count with a no-break space)", want)
		}
	}
}

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
