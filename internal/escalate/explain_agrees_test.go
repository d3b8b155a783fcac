package escalate

import (
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
)

// simulate drives Decide every tick from start (a fake clock), as the run
// would (a due, in-window reminder is sent at that tick), and returns the
// steps taken with their times. Stops at print or after limit.
func simulate(t *testing.T, f Facts, p *policy.Policy, start time.Time, tick time.Duration, limit time.Time) []policy.Scheduled {
	t.Helper()
	var out []policy.Scheduled
	for now := start; now.Before(limit); now = now.Add(tick) {
		d, err := Decide(f, p, now)
		if err != nil {
			t.Fatal(err)
		}
		if d.CatchUp && f.CatchUpSince.IsZero() {
			f.CatchUpSince = now
		}
		switch {
		case d.Step.Kind == policy.StepPrint:
			return append(out, policy.Scheduled{Step: d.Step, Due: now, SendAt: now})
		case d.Step.Kind == policy.StepRemind:
			f.Decided = true
			if d.Wait || d.Unheard || f.Unmailed {
				continue
			}
			out = append(out, policy.Scheduled{Step: d.Step, Due: now, SendAt: now})
			f.RemindersSent++
			f.LastReminder = now
		}
	}
	return out
}

func fmtSteps(ss []policy.Scheduled) string {
	s := ""
	for _, x := range ss {
		s += fmt.Sprintf("[%s at %s] ", x.Step, x.SendAt.In(oslo).Format("Mon 2006-01-02 15:04 MST"))
	}
	return s
}

// Explain (what `policy explain` and the letter's page say at the moment
// the letter starts waiting) and the run (Decide at every tick) agree on
// every step and its time, for letters sent around Easter, Whitsun, 17 May,
// Christmas, the DST changes, Grundlovsdag and the abolished Store Bededag.
func TestExplainAgreesWithRun(t *testing.T) {
	set := policytest.Shipped(t)
	starts := []string{
		"2024-03-27 15:59", // Wed before Easter 2024
		"2024-03-28 10:00", // Skjærtorsdag
		"2024-03-30 23:30", // Sat night before DST starts
		"2024-05-16 23:30", // night before 17 May (Friday)
		"2024-05-08 12:00", // before Ascension
		"2024-05-17 09:00", // 17 May
		"2024-05-15 15:00", // across Whit Monday 20 May
		"2024-06-04 23:30", // before Grundlovsdag (DK)
		"2024-04-25 10:00", // before abolished Store bededag 26 Apr 2024
		"2023-05-04 10:00", // before Store bededag 5 May 2023
		"2024-10-25 23:30", // Friday night before DST ends
		"2024-10-26 23:30", // Saturday night before DST ends
		"2024-12-20 15:30", // before Christmas
		"2024-12-23 07:59", // Lillejuleaften
		"2024-12-31 23:59", // New Year's Eve
		"2025-03-28 16:00", // Friday before DST (30 Mar)
	}
	for _, name := range []string{"default", "taushetsbelagt", "barnevern", "dk-digital-post", "dk-digital-post-borger"} {
		p, _ := set.Get(name)
		for _, s := range starts {
			since := at(t, s)
			t.Run(name+"/"+s, func(t *testing.T) {
				o, err := Explain(model.StateAvailable, model.StageNone, Facts{Since: since}, p, since)
				if err != nil {
					t.Fatal(err)
				}
				var want []policy.Scheduled
				for _, st := range o.Steps {
					want = append(want, policy.Scheduled{Step: st.Step, SendAt: st.SendAt})
				}
				got := simulate(t, Facts{Since: since}, p, since, time.Minute, since.AddDate(0, 3, 0))
				if len(got) != len(want) {
					t.Fatalf("explain %s\nrun     %s", fmtSteps(o.Steps), fmtSteps(got))
				}
				for i := range got {
					if got[i].Step != want[i].Step || !got[i].SendAt.Equal(want[i].SendAt) {
						t.Fatalf("explain %s\nrun     %s", fmtSteps(o.Steps), fmtSteps(got))
					}
				}
			})
		}
	}
}

// The same for a back-filled letter (catch-up, one catch-up reminder as
// shipped), first met on weekends, holidays and the nights of the DST
// changes, to an organisation and to a person.
func TestExplainAgreesWithRunCatchUp(t *testing.T) {
	set := policytest.Shipped(t)
	since := at(t, "2021-06-01 10:00")
	firsts := []string{"2024-03-30 23:30", "2024-03-28 12:00", "2024-05-16 23:30", "2024-10-26 23:30", "2024-12-23 17:00",
		"2024-12-24 10:00", "2024-06-04 16:00", "2024-04-25 16:30", "2025-03-29 02:30"}
	for _, name := range []string{"default", "taushetsbelagt", "barnevern", "dk-digital-post", "dk-digital-post-borger"} {
		p, _ := set.Get(name)
		for _, s := range firsts {
			for _, person := range []bool{false, true} {
				now := at(t, s)
				t.Run(fmt.Sprintf("%s/%s/person=%v", name, s, person), func(t *testing.T) {
					f := Facts{Since: since, Unmailed: person}
					o, err := Explain(model.StateAvailable, model.StageNone, f, p, now)
					if err != nil {
						t.Fatal(err)
					}
					got := simulate(t, f, p, now, time.Minute, now.AddDate(0, 3, 0))
					var want []policy.Scheduled
					for _, st := range o.Steps {
						if st.Step.Kind == policy.StepRemind && person {
							continue
						}
						want = append(want, st)
					}
					if len(got) != len(want) {
						t.Fatalf("explain %s\nrun     %s", fmtSteps(o.Steps), fmtSteps(got))
					}
					for i := range got {
						if got[i].Step != want[i].Step || !got[i].SendAt.Equal(want[i].SendAt) {
							t.Fatalf("explain %s\nrun     %s", fmtSteps(o.Steps), fmtSteps(got))
						}
					}
				})
			}
		}
	}
}
