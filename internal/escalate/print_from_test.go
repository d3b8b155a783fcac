package escalate

import (
	"strings"
	"testing"

	"postvakt/internal/calendar"
	"postvakt/internal/policy"
)

// A due reminder carries when its letter's print step can come due if it
// stays unopened (Decision.PrintAt), for the reminder to tell the
// business: the policy's print day, or under catch_up the grace after the
// catch-up reminder; zero when the policy does not print.
func TestDecidePrintAt(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	p, _ := set.Get("taushetsbelagt")
	cal, _ := calendar.Get("NO")
	noPrint := &policy.Policy{Name: "noprint", Calendar: cal,
		Reminders: policy.Reminders{FirstAfter: 1, RepeatEvery: 1, Max: 3}, Print: policy.Print{Enabled: false}}
	for _, tc := range []struct {
		name       string
		p          *policy.Policy
		f          Facts
		now, print string // print "": zero
	}{
		{"reminder 1: the policy's print day", p, Facts{Since: at(t, "2026-11-16 11:00")}, "2026-11-18 11:00", "2026-11-30 11:00"},
		{"reminder 2: the same print day", p, Facts{Since: at(t, "2026-11-16 11:00"), Decided: true, RemindersSent: 1,
			LastReminder: at(t, "2026-11-18 11:00")}, "2026-11-23 11:00", "2026-11-30 11:00"},
		{"no print under the policy", noPrint, Facts{Since: at(t, "2026-11-16 11:00")}, "2026-11-18 11:00", ""},
		{"catch-up reminder: the grace after it", p, Facts{Since: at(t, "2026-03-02 10:00")}, "2026-04-20 12:00", "2026-04-27 12:00"},
	} {
		d, err := Decide(tc.f, tc.p, at(t, tc.now))
		if err != nil {
			t.Fatal(err)
		}
		if d.Step.Kind != policy.StepRemind {
			t.Fatalf("%s: step %s, want a reminder", tc.name, d.Step)
		}
		got := ""
		if !d.PrintAt.IsZero() {
			got = d.PrintAt.In(oslo).Format("2006-01-02 15:04")
		}
		if got != tc.print {
			t.Errorf("%s: PrintAt %q, want %q", tc.name, got, tc.print)
		}
	}
}

// The business reads, read back from the SMTP server, from when the
// letters may come on paper: taushetsbelagt prints after 10 business
// days, on Monday 30 November for letters sent Monday 16 November.
func TestReminderSaysWhenPaperMayCome(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(confidential(firmaA, 2)...)
	h.contacts(firmaA)
	h.run(due1)
	msgs := h.mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d reminders, want 1", len(msgs))
	}
	text := strings.Join(strings.Fields(msgs[0].Text), " ")
	for _, want := range []string{
		"Blir brevene ikke åpnet, kan avsenderen sende dem som vanlig papirpost, tidligst 30.11.2026.",
		"If the letters are not opened, the sender may send them as ordinary printed post, at the earliest on 30 Nov 2026.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the reminder lacks %q:\n%s", want, msgs[0].Text)
		}
	}
	h.checkLogs()
}
