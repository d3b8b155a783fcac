package escalate

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"postvakt/internal/jobs"
	"postvakt/internal/policy"
)

// Runs is when the escalation runs, on the cron spec serve schedules it
// with (config's POSTVAKT_ESCALATE_SCHEDULE), and which send windows can
// hold a due reminder back at a run: what the UI tells an officer of when
// a reminder that waits for the next run goes out (its organisation's
// address just added, or released after an unknown outcome).
type Runs struct {
	sched    cron.Schedule
	windowed []*policy.Policy // the policies with a send window
}

// NewRuns reads the escalation's cron spec (as jobs.Scheduler does) for
// the policies of set (nil: none).
func NewRuns(spec string, set *policy.Set) (*Runs, error) {
	sched, err := jobs.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("read the escalation schedule %q: %w", spec, err)
	}
	r := &Runs{sched: sched}
	if set != nil {
		for _, p := range set.Policies() {
			if p.SendWindow != nil && p.SendWindow.Location != nil {
				r.windowed = append(r.windowed, p)
			}
		}
	}
	return r, nil
}

// ReminderOut is when a reminder due now goes out: with the first run at
// which its policy's send window is open (the run holds it back outside
// the window), as far as the schedule tells.
type ReminderOut struct {
	// Next is the next run after now; zero when the schedule gives no
	// clock time (an @every schedule counts from when the process started
	// its jobs, which is not known here), and then nothing else is known.
	Next time.Time
	// Held: a policy's send window is closed at Next, so a reminder under
	// it waits for a later run. Latest is then the first run at which
	// every policy's window is open: the reminder goes out between Next
	// and Latest. Latest is zero when no such run comes within a year.
	Held   bool
	Latest time.Time
}

// windowSearch bounds the runs Out looks at for one inside every window.
const windowSearch = 366 * 24 * time.Hour

// Out is when a reminder due at now goes out (ReminderOut). It does not
// know the letters' policies: Held is said when any policy's window is
// closed at the next run, and Latest holds for every policy.
func (r *Runs) Out(now time.Time) ReminderOut {
	if _, ok := r.sched.(*cron.SpecSchedule); !ok {
		return ReminderOut{}
	}
	out := ReminderOut{Next: jobs.Next(r.sched, now)}
	if out.Next.IsZero() { // a spec that never fires (30 February)
		return ReminderOut{}
	}
	run := out.Next
	for !run.IsZero() && run.Sub(out.Next) < windowSearch {
		opens := run // the latest opening of a window closed at run
		for _, p := range r.windowed {
			if at := p.NextSendTime(run); at.After(opens) {
				opens = at
			}
		}
		if opens.Equal(run) {
			if out.Held {
				out.Latest = run
			}
			return out
		}
		out.Held = true
		// The first run at or after the opening (runs fall on whole
		// seconds: Next answers after its argument).
		run = jobs.Next(r.sched, opens.Add(-time.Second))
	}
	return out
}

// Unreached lists the policies with a send window that no run of the
// schedule after now falls inside within a year (a run at 07:00 for a
// window of 08:00-16:00, runs on Saturdays for one on business days): a
// reminder under one waits at every run, for ever, and its letters go to
// print unreminded. serve says so at start. An @every schedule
// cannot be told: none.
func (r *Runs) Unreached(now time.Time) []*policy.Policy {
	if _, ok := r.sched.(*cron.SpecSchedule); !ok {
		return nil
	}
	first := jobs.Next(r.sched, now)
	var out []*policy.Policy
	for _, p := range r.windowed {
		reached := false
		for run := first; !run.IsZero() && run.Sub(first) < windowSearch; {
			opens := p.NextSendTime(run)
			if opens.Equal(run) {
				reached = true
				break
			}
			run = jobs.Next(r.sched, opens.Add(-time.Second))
		}
		if !reached && !first.IsZero() {
			out = append(out, p)
		}
	}
	return out
}
