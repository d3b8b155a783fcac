package model

import (
	"fmt"
	"slices"
	"time"
)

// ReminderItem is one shipment's due reminder: the one item type of the
// reminder pipeline, from the escalation decision to the sent message (like
// an alert in Alertmanager's notify pipeline). The escalation run makes it
// from its decision, the grouper collects it per receiving organisation,
// the notification log's claim checks it (Eligible) against the shipment as
// locked and records it, and the message lists it.
//
// It carries references only: the channel and its id, who sent it and when.
// There is no title field, on purpose: a reminder must never show what a
// confidential letter is about.
type ReminderItem struct {
	ShipmentID    string // postvakt's shipment id
	Reminder      int    // which reminder this is for the shipment (1-based)
	Channel       string // a registered channel's name
	ChannelID     string // the channel's id of the shipment
	SenderOrg     string // sending organisation's number
	SenderOrgName string // sending organisation's name, may be empty
	SenderUnit    string // sending unit
	// SenderContact is the sending organisation's public contact
	// (policies/senders.yaml), zero when it has none: the reminder tells
	// the receiver whom to ask.
	SenderContact Contact
	// SenderNotInSubject says the reminder's subject must not name the
	// sending organisation (policies/senders.yaml, name_in_subject: false):
	// its very name tells what the letters are about, and a subject shows
	// on a locked phone. The body's first lines, which inbox lists and
	// notifications show beside the subject, give it by number; the list
	// of letters and the contact lines further down by name.
	SenderNotInSubject bool
	// NameUnit says the policy lets the reminder name the sending unit;
	// false (the default) shows the sending organisation and the reference
	// only: a unit name such as "Barnevernstjenesten" tells whoever reads a
	// shared inbox too much.
	NameUnit bool
	SentAt   time.Time
	Since    time.Time // when it started waiting (available, else sent)
	// NoAccess is set when the receiving organisation has opened none of
	// its recent confidential letters (health rule never_opening_org):
	// likely nobody there has the access role, and the reminder opens
	// with how to get it.
	NoAccess bool
	// PrintFrom is when the letter's print step can come due under its
	// policy if it stays unopened (escalate.Decision.PrintAt), zero when
	// the policy does not print it: the reminder tells the business from
	// when the letter may come on paper.
	PrintFrom time.Time

	// Step, Policy, Reason and CatchUp are the escalation decision that
	// made the item due ("reminder 1", the policy's name, why, and whether
	// the policy's catch_up rule decided). The claim records the decision
	// in the letter's evidence, before anything is sent, unless the letter
	// has it already; an empty Step records none.
	Step, Policy, Reason string
	CatchUp              bool
	// Next is when the letter's next step can come due once this reminder
	// is sent (nil: no step any more). With HasNext the record stage writes
	// it in the statement that counts the reminder, if the letter's stored
	// time is still NextSeen (a poll may have reset it meanwhile).
	HasNext  bool
	NextSeen *time.Time
	Next     *time.Time
}

// Contact is an organisation's public contact for questions: an e-mail
// address and/or a phone number, as written in its configuration ("" for
// one not given).
type Contact struct {
	Email string
	Phone string
}

// IsZero reports whether the contact gives neither e-mail nor phone.
func (c Contact) IsZero() bool { return c.Email == "" && c.Phone == "" }

// NotifyStatus is the status of a row of the notification log (see
// migration 00003 for what each means).
type NotifyStatus string

// Notification statuses.
const (
	NotifyPending    NotifyStatus = "pending"
	NotifySent       NotifyStatus = "sent"
	NotifyFailed     NotifyStatus = "failed"
	NotifyUnknown    NotifyStatus = "unknown"
	NotifyNoAddress  NotifyStatus = "no_address"
	NotifySuperseded NotifyStatus = "superseded"
)

// Replaceable reports whether a notification in this status may give its
// items to a new message: it was not (and cannot have been) delivered.
func (s NotifyStatus) Replaceable() bool { return s == NotifyFailed || s == NotifyNoAddress }

// LockedShipment is what the notification log's claim knows about one
// reminder item once it holds the locks: the shipment as it is now (locked
// FOR UPDATE) and the notification that already lists the same shipment
// with the same reminder number, if any (locked too).
type LockedShipment struct {
	Found         bool // the shipment exists
	State         State
	Stage         Stage
	RemindersSent int
	// ListedIn is the notification that already lists the item (0: none)
	// and ListedStatus its status; ListedAttempts how often it was sent,
	// ListedAt when it last changed (a failed one: when it failed) and
	// ListedTo the addresses it went to.
	ListedIn       int64
	ListedStatus   NotifyStatus
	ListedAttempts int
	ListedAt       time.Time
	ListedTo       []string
}

// Attempt is the message a claim is about to send: when, and to whom.
type Attempt struct {
	Now time.Time
	To  []string
}

// Drop is why a reminder item is left out of a message; DropNone keeps it.
type Drop uint8

// Drop reasons, in the order Eligible checks them.
const (
	DropNone       Drop = iota // eligible: list it
	DropNotFound               // the shipment does not exist
	DropClosed                 // no longer waiting: opened, rejected, failed or expired meanwhile
	DropStage                  // the escalation moved on (print, manual handling)
	DropCounted                // this reminder (or a later one) was already counted
	DropListed                 // already in another message that was, or may have been, sent
	DropRetryLater             // in a message that failed, whose next try is not due yet (RetryAfter)
)

var dropNames = [...]string{"eligible", "not_found", "closed", "stage", "counted", "listed", "retry_later"}

// RetryAfter is how long after a failed send of a reminder the message
// may be tried again: 10 minutes after the first failure (so a server
// that turns a first message away, greylisting it, gets it again at the
// next run), doubling with each failure up to a day; at once for a message
// never sent (attempts 0, such as one a compliance officer released after
// an unknown outcome). A mail server that refuses an address for good is
// so asked about eight times in two days, then once a day, instead of at
// every run. To other addresses (the compliance officer fixed one), a
// failed message is tried at once (Eligible).
func RetryAfter(attempts int) time.Duration {
	if attempts <= 0 {
		return 0
	}
	d := 10 * time.Minute
	for i := 1; i < attempts && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// String is the reason's short name, e.g. "closed".
func (d Drop) String() string {
	if int(d) < len(dropNames) {
		return dropNames[d]
	}
	return fmt.Sprintf("Drop(%d)", int(d))
}

// Eligible is the reminder rule at send time: whether an item decided
// earlier may still be listed, given the shipment as locked now. It is
// pure; the store's claim transaction calls it on the rows it locked, so
// the decision and the record are one transaction.
func Eligible(it ReminderItem, l LockedShipment, a Attempt) Drop {
	switch {
	case !l.Found:
		return DropNotFound
	case !l.State.Open():
		return DropClosed
	case !l.Stage.Escalating():
		return DropStage
	case l.RemindersSent != it.Reminder-1:
		return DropCounted
	case l.ListedIn != 0 && !l.ListedStatus.Replaceable():
		return DropListed
	case l.ListedIn != 0 && l.ListedStatus == NotifyFailed && a.Now.Before(l.ListedAt.Add(RetryAfter(l.ListedAttempts))) &&
		slices.Equal(sorted(a.To), sorted(l.ListedTo)):
		return DropRetryLater
	}
	return DropNone
}

// sorted is a sorted copy of ss.
func sorted(ss []string) []string { return slices.Sorted(slices.Values(ss)) }

// Explain says in words why Eligible dropped an item, for the log and a
// dry run.
func (d Drop) Explain(l LockedShipment) string {
	switch d {
	case DropNone:
		return "eligible"
	case DropNotFound:
		return "shipment not found"
	case DropClosed:
		return "no longer waiting: state " + string(l.State)
	case DropStage:
		return "escalation stage is " + string(l.Stage)
	case DropCounted:
		return fmt.Sprintf("%d reminder(s) already sent", l.RemindersSent)
	case DropListed:
		return fmt.Sprintf("already in notification %d (%s)", l.ListedIn, l.ListedStatus)
	case DropRetryLater:
		return fmt.Sprintf("notification %d failed (%d attempt(s)); tried again from %s", l.ListedIn, l.ListedAttempts,
			l.ListedAt.Add(RetryAfter(l.ListedAttempts)).UTC().Format(time.RFC3339))
	}
	return d.String()
}
