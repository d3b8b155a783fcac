package escalate

import (
	"strings"
	"testing"
	"time"
)

// A reminder lists the letters due in this run, not every unopened letter
// of the business (one not yet due for a reminder waits for its own): it
// must not read as the inbox's total. With two unopened letters, one of
// them not yet due, the message speaks of the letter it lists and says more
// may be waiting in the inbox.
func TestReminderDoesNotUndercountTheWaitingLetters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := orgNumbers(1)[0]
	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, oslo)
	thursday := time.Date(2026, 3, 5, 9, 0, 0, 0, oslo)
	h.register(ship{recipient: org, class: "taushetsbelagt", conf: true, sent: monday},
		ship{recipient: org, class: "taushetsbelagt", conf: true, sent: thursday})
	h.contacts(org)
	// Friday: the Monday letter is due (2 business days), Thursday's is not.
	h.run(time.Date(2026, 3, 6, 9, 30, 0, 0, oslo))
	msgs := h.mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	text := strings.Join(strings.Fields(msgs[0].Text), " ")
	for _, want := range []string{"Dette brevet til virksomheten", "Det kan ligge flere uåpnede brev i innboksen",
		"This letter for your organisation", "More unopened letters may be waiting in the inbox"} {
		if !strings.Contains(text, want) {
			t.Errorf("the reminder lacks %q (2 letters to the business are unopened, 1 listed):\n%s", want, msgs[0].Text)
		}
	}
	for _, wrong := range []string{"Det ligger 1 brev", "There is 1 letter"} {
		if strings.Contains(text, wrong) {
			t.Errorf("the reminder says %q, as if it were the inbox's total:\n%s", wrong, msgs[0].Text)
		}
	}
	h.checkLogs()
}
