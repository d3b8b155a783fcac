package escalate

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
)

// A back-filled letter the channel has never heard of (UnknownSince: an old
// letter the channel has purged) catches up: Decide never sends its
// catch-up reminder (unheard) and prints catch_up.grace business days after
// the escalation first met it. `policy explain`, the letter's page and the
// API (Explain/OutlookOf) counted the grace from the catch-up reminder's
// send time as if it had been sent: on every later day the print date
// they showed moved later than the run's (review finding). They agree.
func TestExplainUnheardCatchUpPrintDate(t *testing.T) {
	set := policytest.Files(t, map[string]string{"d.yaml": `name: d
calendar: NO
reminders: {first_after: 5, repeat_every: 5, max: 2}
print: {after: 15}
send_window: {from: "08:00", to: "16:00", business_days_only: true}
`})
	p, _ := set.Get("d")
	since := at(t, "2023-02-01 10:00")
	unknown := at(t, "2026-11-10 10:00")
	first := at(t, "2026-11-16 10:00") // Monday, inside the window
	run := simulate(t, Facts{Since: since, UnknownSince: unknown}, p, first, time.Minute, first.AddDate(0, 2, 0))
	if len(run) == 0 || run[len(run)-1].Step.Kind != policy.StepPrint {
		t.Fatalf("run: %s", fmtSteps(run))
	}
	runPrint := run[len(run)-1].SendAt
	t.Logf("run: %s", fmtSteps(run))
	// Later days, as the letter's page shows it.
	for _, day := range []string{"2026-11-16 10:00", "2026-11-18 10:00", "2026-11-20 10:00"} {
		now := at(t, day)
		f := Facts{Since: since, UnknownSince: unknown, CatchUpSince: first, Decided: now.After(first)}
		o, err := Explain(model.StateAvailable, model.StageNone, f, p, now)
		if err != nil {
			t.Fatal(err)
		}
		var pr time.Time
		for _, s := range o.Steps {
			if s.Step.Kind == policy.StepPrint {
				pr = s.Due
			}
		}
		if !pr.Equal(runPrint) {
			t.Errorf("at %s explain says print %s, the run prints %s (%s)", day, pr.In(oslo), runPrint.In(oslo), fmtSteps(o.Steps))
		}
	}
}
