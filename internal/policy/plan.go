package policy

import (
	"errors"
	"fmt"
	"time"
)

// StepKind is a kind of escalation step.
type StepKind int

// Step kinds.
const (
	StepNone   StepKind = iota // nothing to do
	StepRemind                 // send a reminder to the recipient
	StepPrint                  // order the printed-post fallback
)

// String returns "none", "remind" or "print".
func (k StepKind) String() string {
	switch k {
	case StepNone:
		return "none"
	case StepRemind:
		return "remind"
	case StepPrint:
		return "print"
	}
	return fmt.Sprintf("StepKind(%d)", int(k))
}

// Step is one escalation step. N is the reminder's number (1-based) for
// StepRemind and 0 otherwise.
type Step struct {
	Kind StepKind
	N    int
}

// String returns "none", "reminder 2" or "print".
func (s Step) String() string {
	if s.Kind == StepRemind {
		return fmt.Sprintf("reminder %d", s.N)
	}
	return s.Kind.String()
}

// Scheduled is a step with its times: Due is when the policy says it is
// due; SendAt is the earliest moment it may be carried out, which for a
// reminder is the next send window at or after Due (or after now, when the
// step is already overdue). Print orders go to a print provider, not to a
// person, and ignore the send window.
type Scheduled struct {
	Step   Step
	Due    time.Time
	SendAt time.Time
}

// Progress is where a shipment's escalation stands.
type Progress struct {
	// Since is when the waiting period started: when the shipment became
	// available to the recipient, else when it was sent. Required.
	Since time.Time
	// RemindersSent is how many reminders were sent already.
	RemindersSent int
	// LastReminder is when the last reminder was sent (zero if none).
	LastReminder time.Time
	// PrintOrdered is true once a print order exists; nothing follows it.
	PrintOrdered bool
}

// Plan is a shipment's schedule as seen at one moment.
type Plan struct {
	// Now is the step due at that moment, with Now.Step.Kind == StepNone
	// when nothing is due. A due reminder may have to wait for the send
	// window: carry it out at Now.SendAt, not before.
	Now Scheduled
	// Upcoming are the steps not yet due, in order. Dates after the next
	// reminder assume it is sent at its SendAt.
	Upcoming []Scheduled
	// Skipped are reminders that will never be sent because print comes
	// first (e.g. a shipment registered long after it was sent).
	Skipped []Step
}

// Finished reports whether nothing is due now and nothing will be.
func (p Plan) Finished() bool { return p.Now.Step.Kind == StepNone && len(p.Upcoming) == 0 }

// Plan computes a shipment's schedule at now. Day counts are in business
// days of the policy's calendar (see calendar.AddBusinessDays):
//
//   - reminder 1 is due first_after business days after Since;
//   - reminder k > 1 is due repeat_every business days after reminder k-1
//     was sent (LastReminder, or for later reminders the predicted send
//     time), and not before first_after + (k-1)*repeat_every after Since;
//   - print is due print.after business days after Since;
//   - a reminder that could not be sent before print is due is skipped;
//   - at most one step is due at a time: once print is due it is the step,
//     whatever reminders are outstanding; otherwise the next reminder. An
//     overdue reminder is never sent twice in a row: the one after it waits
//     repeat_every from the moment it is sent.
//
// After a print order (PrintOrdered) the plan is finished. It is an error
// for Since to be zero or RemindersSent negative: a missing start date
// must not make every step look overdue.
func (p *Policy) Plan(pr Progress, now time.Time) (Plan, error) {
	if pr.Since.IsZero() {
		return Plan{}, errors.New("plan: no start time (Since) for the waiting period")
	}
	if pr.RemindersSent < 0 {
		return Plan{}, fmt.Errorf("plan: negative number of reminders sent (%d)", pr.RemindersSent)
	}
	if p.Calendar == nil {
		return Plan{}, fmt.Errorf("plan: policy %q has no calendar", p.Name)
	}
	var plan Plan
	if pr.PrintOrdered {
		return plan, nil
	}
	cal := p.Calendar
	var printAt time.Time
	if p.Print.Enabled {
		printAt = cal.AddBusinessDays(pr.Since, p.Print.After)
	}
	beforePrint := func(t time.Time) bool { return !p.Print.Enabled || t.Before(printAt) }
	printDue := p.Print.Enabled && !now.Before(printAt)

	var steps []Scheduled
	last := pr.LastReminder
	if pr.RemindersSent == 0 {
		last = time.Time{}
	}
	rem := p.Reminders
	for k := pr.RemindersSent + 1; k <= rem.Max; k++ {
		due := cal.AddBusinessDays(pr.Since, rem.FirstAfter+(k-1)*rem.RepeatEvery)
		if k > 1 && !last.IsZero() {
			if after := cal.AddBusinessDays(last, rem.RepeatEvery); after.After(due) {
				due = after
			}
		}
		sendAt := p.NextSendTime(latest(due, now))
		if printDue || !beforePrint(sendAt) {
			for ; k <= rem.Max; k++ {
				plan.Skipped = append(plan.Skipped, Step{Kind: StepRemind, N: k})
			}
			break
		}
		steps = append(steps, Scheduled{Step: Step{Kind: StepRemind, N: k}, Due: due, SendAt: sendAt})
		last = sendAt
	}
	if p.Print.Enabled {
		steps = append(steps, Scheduled{Step: Step{Kind: StepPrint}, Due: printAt, SendAt: latest(printAt, now)})
	}
	if len(steps) > 0 && !now.Before(steps[0].Due) {
		plan.Now, steps = steps[0], steps[1:]
	}
	plan.Upcoming = steps
	return plan, nil
}

// Explain returns the whole schedule of a shipment whose waiting period
// starts at since and that nobody opens: every reminder and the print
// order with their due and send times. It is what `policy explain` shows.
func (p *Policy) Explain(since time.Time) ([]Scheduled, error) {
	plan, err := p.Plan(Progress{Since: since}, since)
	if err != nil {
		return nil, fmt.Errorf("explain policy %q: %w", p.Name, err)
	}
	return plan.Steps(), nil
}

// Steps lists the step due now, if any, and the upcoming ones.
func (p Plan) Steps() []Scheduled {
	var out []Scheduled
	if p.Now.Step.Kind != StepNone {
		out = append(out, p.Now)
	}
	return append(out, p.Upcoming...)
}

// NextSendTime returns t when t is inside the policy's send window (or the
// policy has none), else the start of the next window: the next day (a
// business day of the policy's calendar when business_days_only) at
// send_window.from, in the window's time zone.
func (p *Policy) NextSendTime(t time.Time) time.Time {
	w := p.SendWindow
	if w == nil || w.Location == nil {
		return t
	}
	local := t.In(w.Location)
	y, m, d := local.Date()
	// A year always holds a business day; the bound only guards a broken
	// calendar from looping forever.
	for i := 0; i < 366; i++ {
		if w.BusinessDaysOnly && p.Calendar != nil && !p.Calendar.IsBusinessDate(y, m, d+i) {
			continue
		}
		start := time.Date(y, m, d+i, int(w.From)/60, int(w.From)%60, 0, 0, w.Location)
		if i > 0 || t.Before(start) {
			return start
		}
		end := time.Date(y, m, d, int(w.To)/60, int(w.To)%60, 0, 0, w.Location)
		if t.Before(end) {
			return t
		}
	}
	return t
}

// latest returns the later of two times.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
