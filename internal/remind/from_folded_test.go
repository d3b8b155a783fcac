package remind

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/remind/mailpittest"
)

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
