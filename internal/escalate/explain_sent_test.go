package escalate

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
)

// `policy explain` promises "the dates of each future step". For a letter
// whose reminder 1 went out late (the mail server was down on Wednesday; it
// went on Thursday 08:00), Explain does not list reminder 1 again, and
// dates reminder 2 from when reminder 1 actually went out, as the run does.
func TestExplainAfterAReminderAgreesWithDecide(t *testing.T) {
	t.Parallel()
	p, _ := shipped(t).Get("taushetsbelagt")
	since := time.Date(2026, 11, 16, 10, 0, 0, 0, oslo) // Monday
	late := time.Date(2026, 11, 19, 8, 0, 0, 0, oslo)   // Thursday: reminder 1 actually sent
	now := time.Date(2026, 11, 19, 12, 0, 0, 0, oslo)   // when someone runs policy explain
	f := Facts{Since: since, RemindersSent: 1, LastReminder: late, Decided: true}
	o, err := Explain(model.StateAvailable, model.StageReminded, f, p, now)
	steps := o.Steps
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Step.Kind == policy.StepRemind && s.Step.N <= f.RemindersSent {
			t.Errorf("explain lists %s (due %s) as a future step; it was sent %s", s.Step, s.Due.In(oslo).Format(time.DateTime), late.Format(time.DateTime))
		}
		if s.Step.Kind == policy.StepRemind && s.Step.N == 2 {
			d, _ := Decide(f, p, s.SendAt)
			if !d.Due() || d.Wait {
				t.Errorf("explain: reminder 2 sent from %s; the run at that time decides %q (%s)", s.SendAt.In(oslo).Format("Mon 2006-01-02 15:04"), d.Label(), d.Reason)
			}
		}
	}
}
