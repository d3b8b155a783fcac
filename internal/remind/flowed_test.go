package remind

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
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
	ctx := context.Background()
	st, g := fixture(t, 2)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	out, err := newReminder(st, mp.SMTPAddr, &logs).Deliver(ctx, g, time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != StatusSent {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
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
