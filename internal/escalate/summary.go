package escalate

import (
	"fmt"
	"time"

	"postvakt/internal/store"
)

// Summary counts what one run did.
type Summary struct {
	Now       time.Time
	DryRun    bool
	Scanned   int // open shipments looked at
	Decided   int // shipments with a step due now (reminder or print)
	Recorded  int // decision events written (a decision is recorded once)
	Reminders int // shipments listed in reminders sent (or, dry run, to be sent)
	Orgs      int // organisations reminded: messages sent (or to be sent)
	PrintDue  int // shipments whose print fallback became due
	Quiet     int // due reminders not sent now: outside the send window
	Persons   int // due reminders to persons: no e-mail channel for them yet
	Dropped   int // shipments dropped at send time (opened meanwhile, already sent or in flight)
	Failed    int // organisations whose send failed; the next run tries again
	Unknown   int // organisations whose send outcome is unknown; never re-sent
	Ordered   int // Altinn Notifications orders placed (also for earlier runs' reminders)
	OrderFail int // Altinn Notifications orders not placed; the next run tries again
	Errors    int // shipments or organisations that could not be handled (see the log)
	// NoAddress are the organisations due a reminder that have no e-mail
	// address, for the compliance officer.
	NoAddress []string
	// AddressUnknown are the organisations due a reminder without an
	// imported address whose lookup in the channel failed: tried again by
	// the next run.
	AddressUnknown []string
	// Expired are pending reminders of an earlier run that stopped between
	// claiming and recording: their outcome is unknown, they are not re-sent.
	Expired []store.Notification
}

// String is the one-line summary `postvakt escalate` prints.
func (s Summary) String() string {
	mode := "escalation"
	if s.DryRun {
		mode = "escalation (dry run, nothing changed)"
	}
	return fmt.Sprintf("%s as of %s: %d open shipments, %d due; %d reminders to %d organisations, %d print due, "+
		"%d waiting for the send window, %d to persons (no e-mail), %d organisations without address, "+
		"%d failed sends, %d unknown outcomes, %d dropped at send time, %d errors",
		mode, s.Now.Format(time.RFC3339), s.Scanned, s.Decided, s.Reminders, s.Orgs, s.PrintDue,
		s.Quiet, s.Persons, len(s.NoAddress), s.Failed, s.Unknown+len(s.Expired), s.Dropped, s.Errors) +
		s.extra()
}

// extra is the summary's tail about address lookups and notification
// orders, only when there is something to say.
func (s Summary) extra() string {
	var out string
	if len(s.AddressUnknown) > 0 {
		out += fmt.Sprintf("; %d organisations with address lookup failed", len(s.AddressUnknown))
	}
	if s.Ordered+s.OrderFail > 0 {
		out += fmt.Sprintf("; %d notification orders placed, %d not placed", s.Ordered, s.OrderFail)
	}
	return out
}
