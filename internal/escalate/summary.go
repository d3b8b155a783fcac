package escalate

import (
	"fmt"
	"sort"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Summary counts what one run did.
type Summary struct {
	Now     time.Time
	DryRun  bool
	Scanned int // open shipments looked at
	// Every: the run looked at every open letter (the policies changed
	// since the stored next steps were computed); otherwise only at those
	// whose next step may be due, so Scanned is not the open letters' count.
	Every     bool
	Decided   int // shipments with a step due now (reminder or print)
	Recorded  int // decision events written (a decision is recorded once)
	Reminders int // shipments listed in reminders sent (or, dry run, to be sent)
	Orgs      int // organisations reminded: messages sent (or to be sent)
	PrintDue  int // shipments whose print fallback became due
	Quiet     int // due reminders not sent now: outside the send window
	Persons   int // due reminders to persons: no e-mail channel for them yet
	Unheard   int // due reminders not sent: the channel has never heard of the letter (print follows the policy)
	Unasked   int // back-fills with a step due not met yet: the channel has not answered about them (FirstAnswerWait)
	Siblings  int // due catch-up reminders held: their organisation has letters the channel has not answered about yet
	Busy      int // organisations whose letters another transaction held: the next run tries again
	Dropped   int // shipments dropped at send time (opened meanwhile, already sent or in flight)
	Failed    int // organisations whose send failed; the next run tries again
	Unknown   int // organisations whose send outcome is unknown; never re-sent
	Ordered   int // Altinn Notifications orders placed (also for earlier runs' reminders)
	OrderFail int // Altinn Notifications orders not placed; the next run tries again
	Errors    int // shipments or organisations that could not be handled (see the log)
	Refused   int // recipient addresses the SMTP server refused permanently (left out; the others got the reminder)
	// WindowClosed: organisations whose reminder's send window closed
	// during the run, before its send began: not sent, due in the next window.
	WindowClosed int
	GivenBack    int // reminders claimed and not begun when a stop was asked for: given back, the next run sends them
	// StoppedEarly: a stop was asked for (jobs.Draining, serve's SIGTERM)
	// and the run left work for the next run: organisations not taken,
	// reminders given back.
	StoppedEarly bool
	// NoAddress are the organisations due a reminder that have no e-mail
	// address, for the compliance officer.
	NoAddress []string
	// AddressUnknown are the organisations due a reminder without an
	// imported address whose lookup in the channel failed: tried again by
	// the next run.
	AddressUnknown []string
	// Expired are pending reminders and notices of an earlier run that
	// stopped while sending them: their outcome is unknown, they are not
	// re-sent. (Those it never began to send are sent again.)
	Expired []store.Notification
	// Undelivered names what this run should have sent and did not (failed
	// reminders, notification orders not placed; the next run tries
	// again), by reference only: "reminder 12 to 974760673",
	// "notification order of reminder 12 to 974760673".
	Undelivered []string
	// Unresolved names the reminders and notices whose outcome is unknown
	// (sent this run, or claimed by an earlier run that stopped while
	// sending them: never sent again by themselves), by reference only:
	// "reminder 12 to 974760673", "followup_due notice 34".
	Unresolved []string
	// Retried counts the pending reminders and notices of an earlier run
	// that stopped before sending them: failed, sent again while due.
	Retried int
	// Steps counts the steps due, per step, sending organisation and unit:
	// what a dry run previews (`escalate --once --dry-run`, the UI's
	// preview), sorted.
	Steps []StepCount
	steps map[StepCount]int
}

// StepCount is how many shipments of one sending organisation and unit a
// step is due for. Waiting marks reminders due outside the send window.
type StepCount struct {
	Step       string // Decision.Label: "reminder 1", "catch-up print", ...
	Waiting    bool   // a due reminder waiting for the send window
	Approval   bool   // a print that waits for a compliance officer
	Unheard    bool   // a due reminder not sent: the channel has never heard of the letters
	Person     bool   // a due reminder not sent: the recipients are persons (mailed: organisations only)
	Siblings   bool   // a due catch-up reminder not sent: its organisation has letters not yet answered about (Summary.Siblings)
	Policy     string
	SenderOrg  string
	SenderUnit string
	Shipments  int
}

// step counts one due step.
func (s *Summary) step(d Decision, sh store.OpenShipment) {
	if s.steps == nil {
		s.steps = map[StepCount]int{}
	}
	s.steps[StepCount{Step: d.Label(), Waiting: d.Wait, Approval: d.NeedsApproval, Unheard: d.Unheard,
		Person: d.Step.Kind == policy.StepRemind && !mailed(sh.RecipientKind), Policy: d.Policy,
		SenderOrg: sh.SenderOrg, SenderUnit: sh.SenderUnit}]++
}

// siblings moves a due catch-up reminder's count (step) to those held for
// their organisation's letters not yet answered about (holdCatchUp).
func (s *Summary) siblings(it model.ReminderItem) {
	k := StepCount{Step: "catch-up " + it.Step, Policy: it.Policy, SenderOrg: it.SenderOrg, SenderUnit: it.SenderUnit}
	if s.steps[k]--; s.steps[k] <= 0 {
		delete(s.steps, k)
	}
	k.Siblings = true
	s.steps[k]++
	s.Siblings++
}

// finishSteps turns the counts into the sorted Steps.
func (s *Summary) finishSteps() {
	s.Steps = s.Steps[:0]
	for k, n := range s.steps {
		k.Shipments = n
		s.Steps = append(s.Steps, k)
	}
	sort.Slice(s.Steps, func(i, j int) bool {
		a, b := s.Steps[i], s.Steps[j]
		if a.SenderOrg != b.SenderOrg {
			return a.SenderOrg < b.SenderOrg
		}
		if a.SenderUnit != b.SenderUnit {
			return a.SenderUnit < b.SenderUnit
		}
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		if a.Waiting != b.Waiting {
			return !a.Waiting
		}
		if a.Person != b.Person {
			return !a.Person
		}
		if a.Siblings != b.Siblings {
			return !a.Siblings
		}
		return !a.Unheard && b.Unheard
	})
}

// NotSent names, by reference only (notification ids, organisation
// numbers; never a title, unit or address), what this run left unsent or
// does not know to have sent: the failed reminders and notification
// orders (the next run tries again), the unknown outcomes (never sent
// again by themselves), the organisations whose address lookup failed
// (tried again) and those without an e-mail address (waiting until one is
// imported). A run from cron with any of them must not look fine.
func (s Summary) NotSent() []string {
	refs := append([]string(nil), s.Undelivered...)
	for _, ref := range s.Unresolved {
		refs = append(refs, ref+" (outcome unknown)")
	}
	for _, org := range s.AddressUnknown {
		refs = append(refs, "reminder to "+org+" (address lookup failed)")
	}
	for _, org := range s.NoAddress {
		refs = append(refs, "reminder to "+org+" (no e-mail address)")
	}
	return refs
}

// String is the one-line summary `postvakt escalate` prints.
func (s Summary) String() string {
	mode := "escalation"
	if s.DryRun {
		mode = "escalation (dry run, nothing changed)"
	}
	looked := "whose next step may be due"
	if s.Every {
		looked = "all, as the policies changed"
	}
	return fmt.Sprintf("%s as of %s: %d open shipments looked at (%s), %d due; %d reminders to %d organisations, %d print due, "+
		"%d waiting for the send window, %d to persons (no e-mail), %d organisations without address, "+
		"%d failed sends, %d unknown outcomes, %d dropped at send time, %d errors",
		mode, s.Now.Format(time.RFC3339), s.Scanned, looked, s.Decided, s.Reminders, s.Orgs, s.PrintDue,
		s.Quiet, s.Persons, len(s.NoAddress), s.Failed, s.Unknown+len(s.Expired), s.Dropped, s.Errors) +
		s.extra()
}

// extra is the summary's tail about address lookups and notification
// orders, only when there is something to say.
func (s Summary) extra() string {
	var out string
	if s.StoppedEarly {
		out += fmt.Sprintf("; stopped early (a stop was asked for): %d reminders given back for the next run, the organisations not reached wait for it", s.GivenBack)
	}
	if s.WindowClosed > 0 {
		out += fmt.Sprintf("; %d organisations' reminders wait for the next send window (it closed during the run, before their send began)", s.WindowClosed)
	}
	if s.Unheard > 0 {
		out += fmt.Sprintf("; %d reminders not sent: the channel has never heard of the letter", s.Unheard)
	}
	if s.Unasked > 0 {
		out += fmt.Sprintf("; %d letters not yet answered about by their channel: their step waits for the first poll", s.Unasked)
	}
	if s.Siblings > 0 {
		out += fmt.Sprintf("; %d catch-up reminders wait for their organisation's letters not yet answered about (one reminder for all)", s.Siblings)
	}
	if s.Retried > 0 {
		out += fmt.Sprintf("; %d reminders or notices claimed by a run that stopped before sending them, sent again while due", s.Retried)
	}
	if s.Busy > 0 {
		out += fmt.Sprintf("; %d organisations left for the next run (their letters were held by another transaction)", s.Busy)
	}
	if len(s.AddressUnknown) > 0 {
		out += fmt.Sprintf("; %d organisations with address lookup failed", len(s.AddressUnknown))
	}
	if s.Refused > 0 {
		out += fmt.Sprintf("; %d recipient address(es) refused permanently (left out, see the log)", s.Refused)
	}
	if s.Ordered+s.OrderFail > 0 {
		out += fmt.Sprintf("; %d notification orders placed, %d not placed", s.Ordered, s.OrderFail)
	}
	return out
}
