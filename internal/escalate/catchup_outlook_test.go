package escalate

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
)

const twoCatchUp = `name: two
calendar: NO
reminders: {first_after: 2, repeat_every: 2, max: 2}
print: {after: 10}
send_window: {from: "08:00", to: "16:00", business_days_only: true}
catch_up: {reminders: 2, grace: 5}
`

// A back-filled letter under a policy with two catch-up reminders: what
// `policy explain` / the letter's page say at first meeting must be what
// the run does (both catch-up reminders, then print grace after the
// second). README: "grace: business days from the last catch-up reminder
// to print".
func TestExplainTwoCatchUpReminders(t *testing.T) {
	set := policytest.Files(t, map[string]string{"two.yaml": twoCatchUp})
	p, _ := set.Get("two")
	since := at(t, "2023-02-01 10:00")
	for _, first := range []string{"2026-11-16 10:00", "2026-11-16 18:00"} {
		now := at(t, first)
		o, err := Explain(model.StateAvailable, model.StageNone, Facts{Since: since}, p, now)
		if err != nil {
			t.Fatal(err)
		}
		got := simulate(t, Facts{Since: since}, p, now, time.Minute, now.AddDate(0, 2, 0))
		t.Logf("first met %s\nexplain %s\nrun     %s", first, fmtSteps(o.Steps), fmtSteps(got))
		if len(got) != 3 || got[1].Step.N != 2 {
			t.Fatalf("the run does not send two catch-up reminders: %s", fmtSteps(got))
		}
		if len(o.Steps) != len(got) {
			t.Errorf("explain lists %d steps, the run takes %d", len(o.Steps), len(got))
			continue
		}
		for i := range got {
			if o.Steps[i].Step != got[i].Step || !o.Steps[i].SendAt.Equal(got[i].SendAt) {
				t.Errorf("step %d: explain %s, run %s", i, fmtSteps(o.Steps[i:i+1]), fmtSteps(got[i:i+1]))
			}
		}
	}
}

// After the first catch-up reminder went out, the letter's next step as
// the lists and the API show it (NextStepOf -> Outlook.Next) must be the
// second catch-up reminder the run will send, not a print.
func TestNextStepBetweenCatchUpReminders(t *testing.T) {
	set := policytest.Files(t, map[string]string{"two.yaml": twoCatchUp})
	p, _ := set.Get("two")
	first := at(t, "2026-11-16 10:00")
	f := Facts{Since: at(t, "2023-02-01 10:00"), Decided: true, CatchUpSince: first, RemindersSent: 1, LastReminder: first}
	now := at(t, "2026-11-17 10:00")
	d, _ := Decide(f, p, now)
	o, _ := Explain(model.StateAvailable, model.StageNone, f, p, now)
	next := o.Next()
	t.Logf("decide: next %s; explain: %s", d.Next.In(oslo), fmtSteps(o.Steps))
	if next == nil || next.Step != NextReminder || !next.Due.Equal(d.Next) {
		t.Errorf("next step shown %+v; the run's next step is catch-up reminder 2 at %s", next, d.Next.In(oslo))
	}
}
