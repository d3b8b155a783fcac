package escalate

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/policy"
)

// withPolicy returns the shipped set with taushetsbelagt changed by fn.
func withPolicy(set *policy.Set, fn func(p *policy.Policy)) *policy.Set {
	var out []*policy.Policy
	for _, p := range set.Policies() {
		c := *p
		if c.Name == "taushetsbelagt" {
			fn(&c)
		}
		out = append(out, &c)
	}
	return policy.NewSet(out...)
}

// A back-filled letter first met inside the send window gets its first
// catch-up reminder in that very run, so catch_up_at and last_reminded_at
// are the same instant (the run's now). That reminder counts as the
// catch-up's: the next run that looks at the letter (here after a policy
// change that has nothing to do with timing) sends catch-up reminder 2 only
// repeat_every (3) business days later, not at once.
func TestCatchUpSecondReminderWaitsRepeatEvery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.esc.Policies = withPolicy(h.esc.Policies, func(p *policy.Policy) { p.CatchUp.Reminders = 2 })
	h.register(ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: time.Date(2026, 9, 1, 10, 0, 0, 0, oslo)})
	h.contacts(firmaA)
	tuesday := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo) // inside the send window
	if sum := h.run(tuesday); sum.Reminders != 1 {
		t.Fatalf("first run: %s; want catch-up reminder 1", sum)
	}
	h.take()
	// An unrelated policy edit (retention) makes the next run look at
	// every open letter.
	h.esc.Policies = withPolicy(h.esc.Policies, func(p *policy.Policy) { p.Retention.Years = 7 })
	if sum := h.run(tuesday.Add(15 * time.Minute)); sum.Reminders != 0 {
		t.Fatalf("15 minutes after catch-up reminder 1: %s; catch-up reminder 2 must wait repeat_every (3) business days", sum)
	}
}

// The same in the pure decision: with catch_up_at equal to the last
// reminder's time, catch-up reminder 2 is not due at once, and the catch-up
// print's reason does not say that no reminder could go out.
func TestCatchUpReminderSentAtTheStartCounts(t *testing.T) {
	t.Parallel()
	p, _ := shipped(t).Get("taushetsbelagt")
	met := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo)
	f := Facts{Since: time.Date(2026, 9, 1, 10, 0, 0, 0, oslo), Decided: true, CatchUpSince: met, RemindersSent: 1, LastReminder: met}
	// Default catch_up (1 reminder): print after 5 business days.
	d, err := Decide(f, p, time.Date(2026, 11, 24, 10, 0, 0, 0, oslo))
	if err != nil {
		t.Fatal(err)
	}
	if d.Step.Kind != policy.StepPrint || strings.Contains(d.Reason, "no reminder could go out") {
		t.Errorf("catch-up print after a catch-up reminder sent at %s: %q", met, d.Reason)
	}
	// Two catch-up reminders: reminder 2 is due 3 business days after 1.
	p2 := *p
	p2.CatchUp.Reminders = 2
	d, _ = Decide(f, &p2, met.Add(15*time.Minute))
	if d.Due() {
		t.Errorf("15 minutes after catch-up reminder 1: %s due (%s); want none before %s", d.Label(), d.Reason,
			p.Calendar.AddBusinessDays(met, 3).Format(time.DateTime))
	}
}
