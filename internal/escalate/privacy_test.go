package escalate

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLogsDoNotPairRecipientWithSensitiveClass: a log line that names the
// receiving organisation (or a person's masked id, which keeps the birth
// date) must not also say the letter is a child welfare letter: "policy
// barnevern" next to recipient=… says who got post from the child welfare
// service, as a unit name would (README: alert mails leave the unit out
// next to a receiving organisation for that reason).
func TestLogsDoNotPairRecipientWithSensitiveClass(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(ship{recipient: firmaA, class: "barnevern", conf: true, sent: monday},
		ship{recipient: "01017012345", person: true, class: "barnevern", conf: true, sent: monday})
	h.contacts(firmaA)
	h.run(due1)
	h.run(printDay)
	re := regexp.MustCompile(`(?m)^.*recipient=\S+.*barnevern.*$`)
	if m := re.FindAllString(h.logs.String(), 3); len(m) > 0 {
		t.Errorf("log lines pair a recipient with the child welfare class:\n%s", m)
	}
}

// TestReminderDoesNotNameASensitiveUnit: the reminder to a business about
// letters of the child welfare service must not name the unit
// ("Barnevernstjenesten"), also when one of its letters to that business
// is not marked confidential: the name says as much about the business's
// dealings with the service as on a confidential letter, and it stands in
// the same mail as the confidential ones. Only a policy's name_unit: true
// names a unit.
func TestReminderDoesNotNameASensitiveUnit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: monday},
		ship{recipient: firmaA, class: "ordinaer", conf: false, sent: monday})
	h.contacts(firmaA)
	for _, at := range []time.Time{due1, printDay} {
		h.run(at)
		for _, m := range h.mp.Messages(t) {
			if i := strings.Index(m.Text, "Barnevernstjenesten"); i >= 0 {
				t.Errorf("reminder %q names the sending unit: …%s…", m.Subject, m.Text[max(0, i-200):i+20])
			}
		}
		h.mp.DeleteAll(t)
	}
}

// TestReminderNamesTheBusinessNotTheLetters: once the names job has the
// receiving business's name from the register, the reminder addresses it
// by name and number in both languages; it still shows no title and no
// sensitive unit. A business the register has not named yet gets its
// number alone.
func TestReminderNamesTheBusinessNotTheLetters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	firmaB := orgNumbers(2)[1]
	h.register(ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: monday},
		ship{recipient: firmaB, class: "taushetsbelagt", conf: true, sent: monday})
	h.contacts(firmaA, firmaB)
	h.named(firmaA, "FJORDFISK AS") // the names job: the recipient's name from the register
	h.run(due1)
	msgs := h.mp.Messages(t)
	if len(msgs) != 2 {
		t.Fatalf("%d reminders, want 2", len(msgs))
	}
	for _, m := range msgs {
		text := strings.ReplaceAll(m.Text, "\r\n", "\n")
		want := []string{"Til FJORDFISK AS (org.nr. " + firmaA + ")\n", "To FJORDFISK AS (org.nr. " + firmaA + ")\n"}
		if m.To[0].Address != "post-"+firmaA+"@example.no" {
			want = []string{"Til virksomheten med organisasjonsnummer " + firmaB + "\n", "To the organisation with organisation number " + firmaB + "\n"}
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("reminder to %s lacks %q:\n%s", m.To[0].Address, w, text)
			}
		}
		if strings.Contains(m.Raw+text+m.Subject, "HEMMELIG") || strings.Contains(text, "Barnevernstjenesten") {
			t.Errorf("reminder to %s shows a title or the unit:\n%s", m.To[0].Address, text)
		}
	}
	h.checkLogs()
}
