package remind

import (
	"strings"
	"testing"
	"time"
)

// A reminder of one letter tells how to read that letter, not "the
// letters": a business that finds one letter from the sender in its inbox
// must not go looking for more of it. In every language, on both
// channels' texts.
func TestReminderOfOneLetterSaysHowToReadIt(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	no := Compose(firma, "", sampleShipments()[:1], nil, "postvakt@bergen.kommune.no", "k", now).Body
	dk := Compose(virksomhed, "", danishShipments()[:1], nil, "postvakt@kk.dk", "k", now).Body
	for _, c := range []struct{ body, want string }{
		{no, "Slik leser dere brevet:\n"}, {no, "  2. Åpne innboksen og les brevet.\n"},
		{no, "How to read it:\n"}, {no, "  2. Open the inbox and read the letter.\n"},
		{dk, "Sådan læser I brevet:\n"}, {dk, "  2. Vælg virksomhedens postkasse, og læs brevet.\n"},
		{dk, "How to read it:\n"}, {dk, "  2. Choose the organisation's mailbox and read the letter.\n"},
		// Its list is headed by the one letter too.
		{no, "\nBrev som venter:\n"}, {no, "\nLetter waiting:\n"},
		{dk, "\nBrev, der venter:\n"}, {dk, "\nLetter waiting:\n"},
	} {
		if !strings.Contains(c.body, c.want) {
			t.Errorf("a reminder of one letter lacks %q:\n%s", c.want, c.body)
		}
	}
	two := Compose(firma, "", sampleShipments(), nil, "postvakt@bergen.kommune.no", "k", now).Body
	if !strings.Contains(two, "Slik leser dere brevene:\n") || !strings.Contains(two, "How to read them:\n") ||
		!strings.Contains(two, "\nBrev som venter:\n") || !strings.Contains(two, "\nLetters waiting:\n") {
		t.Errorf("a reminder of two letters:\n%s", two)
	}
}
