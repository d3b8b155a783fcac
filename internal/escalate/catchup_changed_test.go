package escalate

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
)

// A letter catching up whose policy then changes follows the policy as it
// is now: a catch-up does not order a print, nor send a reminder, that the
// changed policy no longer has. Decide and policy explain agree.
func TestCatchUpUnderAChangedPolicy(t *testing.T) {
	t.Parallel()
	p, _ := shipped(t).Get("taushetsbelagt")
	since := time.Date(2026, 1, 5, 10, 0, 0, 0, oslo)
	met := time.Date(2026, 3, 2, 10, 0, 0, 0, oslo) // Monday: the catch-up began, its reminder sent then
	tests := []struct {
		name   string
		change func(p *policy.Policy)
		f      Facts
		now    time.Time
		not    policy.StepKind // the step the changed policy no longer has
	}{
		{"print turned off: no catch-up print after the grace", func(p *policy.Policy) { p.Print.Enabled = false },
			Facts{Since: since, Decided: true, CatchUpSince: met, RemindersSent: 1, LastReminder: met},
			time.Date(2026, 3, 10, 10, 0, 0, 0, oslo), policy.StepPrint},
		{"reminders turned off: no catch-up reminder waiting for the window", func(p *policy.Policy) { p.Reminders.Max = 0 },
			Facts{Since: since, Decided: true, CatchUpSince: met.Add(8 * time.Hour)}, // met at 18:00, its reminder waiting
			time.Date(2026, 3, 3, 8, 0, 0, 0, oslo), policy.StepRemind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := *p
			tt.change(&changed)
			d, err := Decide(tt.f, &changed, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if d.Step.Kind == tt.not {
				t.Errorf("decided %s (catch-up %v, %q) under a policy without it", d.Step, d.CatchUp, d.Reason)
			}
			o, err := Explain(model.StateAvailable, model.StageNone, tt.f, &changed, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range o.Steps {
				if s.Step.Kind == tt.not {
					t.Errorf("explained %s due %s (why %q) under a policy without it", s.Step, s.Due, o.Why)
				}
			}
		})
	}
}
