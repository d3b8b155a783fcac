package escalate

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/storetest"
)

// A back-fill imported a moment ago, past its print window, is not met by
// the escalation before the channel has answered about it: a catch-up
// reminder about letters opened years ago would tell a business it has
// unread post it read. Once the channel answers (the first poll) it
// catches up as usual.
func TestBackfillWaitsForTheChannelsFirstAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tuesday := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo) // inside the send window
	ids, _ := h.register(ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: time.Date(2026, 9, 1, 10, 0, 0, 0, oslo), unpolled: true})
	storetest.Set(t, h.st, ids, storetest.RegisteredAt(tuesday.Add(-10*time.Minute)))
	h.contacts(firmaA)
	sum := h.run(tuesday)
	if sum.Reminders != 0 || sum.Decided != 0 || sum.Unasked != 1 {
		t.Fatalf("before the first poll: %s (unasked %d); want nothing decided, the letter waiting for the channel's first answer", sum, sum.Unasked)
	}
	if !strings.Contains(sum.String(), "1 letters not yet answered about by their channel") {
		t.Errorf("summary %q does not say a letter waits for its channel's first answer", sum)
	}
	if n := h.count(`SELECT count(*) FROM shipments WHERE id = $1 AND catch_up_at IS NULL`, ids[0]); n != 1 {
		t.Fatal("the run started the catch-up of a letter the channel has not answered about")
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("reminders sent before the channel's first answer: %v", got)
	}
	// The first poll: the channel knows it, unopened.
	storetest.Set(t, h.st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("LEVERT"), storetest.AvailableAfterSent(time.Hour))
	if sum := h.run(tuesday.Add(15 * time.Minute)); sum.Reminders != 1 || sum.Unasked != 0 {
		t.Fatalf("after the first poll: %s; want catch-up reminder 1", sum)
	}
	if got := h.take(); len(got) != 1 {
		t.Fatalf("after the first poll: %d messages, want the catch-up reminder", len(got))
	}
	h.checkLogs()
}

// The wait is bounded: a letter the channel has not answered about a day
// after it was registered (the poll failing for it, the channel down) is
// met as any other, and neither is a letter the channel said it does not
// know (that is an answer: its reminders are not sent, print follows).
func TestBackfillWaitsADayAtMost(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tuesday := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo)
	sent := time.Date(2026, 9, 1, 10, 0, 0, 0, oslo)
	ids, _ := h.register(
		ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: sent, unpolled: true},
		ship{recipient: firmaB, class: "taushetsbelagt", conf: true, sent: sent, unpolled: true})
	storetest.Set(t, h.st, ids, storetest.RegisteredAt(tuesday.Add(-10*time.Minute)))
	storetest.Set(t, h.st, ids[1:], storetest.UnknownToChannelSince(tuesday.Add(-5*time.Minute)))
	h.contacts(firmaA, firmaB)
	sum := h.run(tuesday)
	if sum.Unasked != 1 || sum.Unheard != 1 {
		t.Fatalf("at first: %s (unasked %d, unheard %d); want firmaA's waiting for an answer, firmaB's unheard", sum, sum.Unasked, sum.Unheard)
	}
	if sum := h.run(tuesday.Add(23 * time.Hour)); sum.Unasked != 1 || sum.Reminders != 0 {
		t.Fatalf("23 hours after registration: %s (unasked %d); still waiting", sum, sum.Unasked)
	}
	if sum := h.run(tuesday.Add(24*time.Hour + 15*time.Minute)); sum.Unasked != 0 || sum.Reminders != 1 {
		t.Fatalf("a day after registration: %s (unasked %d); want firmaA's catch-up reminder", sum, sum.Unasked)
	}
	if got := h.take(); len(got) != 1 || got[0].org != firmaA {
		t.Fatalf("messages %v; want one to firmaA", got)
	}
}

// The rule in the pure decision, and policy explain agreeing with it.
func TestDecideWaitsForFirstAnswer(t *testing.T) {
	t.Parallel()
	p, _ := shipped(t).Get("taushetsbelagt")
	now := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo)
	f := Facts{Since: time.Date(2026, 9, 1, 10, 0, 0, 0, oslo), Unasked: true, Registered: now.Add(-time.Hour)}
	d, err := Decide(f, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Due() || d.Next.IsZero() || d.Next.After(now.Add(23*time.Hour)) || !strings.Contains(d.Reason, "first answer") {
		t.Fatalf("unasked back-fill: %+v; want nothing due, looked at again before the day is out, the reason saying why", d)
	}
	o, err := Explain(model.StateRegistered, model.StageNone, f, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Why != WhyFirstAnswer || len(o.Steps) != 2 || o.Steps[0].Step.Kind != policy.StepRemind || o.Steps[1].Step.Kind != policy.StepPrint {
		t.Fatalf("explain: why %q, steps %+v; want %q and the catch-up's reminder and print as they would come", o.Why, o.Steps, WhyFirstAnswer)
	}
	// A letter within its plan is not held: its first step is days away,
	// long after the first poll.
	f.Since = now.Add(-time.Hour)
	if d, _ := Decide(f, p, now); d.Due() || d.Next.Before(now.Add(24*time.Hour)) {
		t.Fatalf("a fresh unasked letter: %+v; want its plan's first step", d)
	}
	// A run as of before the registration (escalate --now) does not wait.
	g := f
	g.Since, g.Registered = time.Date(2026, 9, 1, 10, 0, 0, 0, oslo), now.Add(time.Hour)
	if d, _ := Decide(g, p, now); !d.Due() || !d.CatchUp {
		t.Fatalf("as of before the registration: %+v; want the catch-up's first step", d)
	}
	// A day after registration the catch-up begins.
	f.Since, f.Registered = time.Date(2026, 9, 1, 10, 0, 0, 0, oslo), now.Add(-25*time.Hour)
	if d, _ := Decide(f, p, now); !d.Due() || !d.CatchUp {
		t.Fatalf("a day after registration: %+v; want the catch-up's first step", d)
	}
}

// Not only a catch-up waits for the channel's first answer: a back-fill
// whose step is due at once under its plan (a reminder overdue within the
// print window, or a print under a policy without reminders) is not
// reminded or printed before the channel has said whether it was opened.
// policy explain shows the steps as they would come.
func TestDecideWaitsForFirstAnswerWhateverTheStep(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	now := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo) // Tuesday, in the send window
	tests := []struct {
		name     string
		policy   string
		since    time.Time
		unmailed bool
		then     policy.StepKind // the step due once the channel answers
	}{
		{"reminder overdue within the print window", "taushetsbelagt", time.Date(2026, 11, 11, 10, 0, 0, 0, oslo), false, policy.StepRemind},
		{"print under a policy without reminders", "dk-digital-post-borger", time.Date(2024, 3, 1, 10, 0, 0, 0, oslo), true, policy.StepPrint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := set.Get(tt.policy)
			f := Facts{Since: tt.since, Unmailed: tt.unmailed, Unasked: true, Registered: now.Add(-10 * time.Minute)}
			d, err := Decide(f, p, now)
			if err != nil {
				t.Fatal(err)
			}
			if d.Due() || !d.Unasked || d.Next.IsZero() || d.Next.After(now.Add(24*time.Hour)) {
				t.Fatalf("before the channel's first answer: %s due (unasked %v, next %s, %q); want nothing, looked at again soon",
					d.Step, d.Unasked, d.Next, d.Reason)
			}
			o, err := Explain(model.StateRegistered, model.StageNone, f, p, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Steps) == 0 || o.Steps[0].Step.Kind != tt.then {
				t.Fatalf("explain: why %q, steps %+v; want the %s that comes once the channel answers first", o.Why, o.Steps, tt.then)
			}
			f.Unasked = false // answered: the step is due
			if d, _ := Decide(f, p, now); d.Step.Kind != tt.then {
				t.Fatalf("answered: %s due; want %s", d.Step, tt.then)
			}
		})
	}
}
