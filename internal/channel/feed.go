package channel

import (
	"context"
	"encoding/json"
	"time"

	"postvakt/internal/model"
)

// Feed is a channel whose API is an event log read by time windows rather
// than a status per id (Danish Digital Post's hændelseslog). One pass over
// the new entries serves every open shipment, however many. A feed is a
// Channel too: its Status looks up the whole log of single shipments (the
// poller uses it for shipments registered after their entries were read),
// with the entries in Observation.Events.
type Feed interface {
	Channel
	// Overlap is how far each read reaches back before the latest entry
	// seen: the log is only eventually consistent, so an entry may appear
	// after later ones were listed.
	Overlap() time.Duration
	// Events reads the entries the log stored in [from, to] (a zero to:
	// up to the log's own now), oldest first, page by page, and calls fn
	// with each page. An entry that cannot be read comes with Err set; the
	// others are unaffected. A page of no entries marks a gap: the pages
	// after it lie past entries the log left out, and the read ends with a
	// GapError. The error return is for a read that failed as a whole (or
	// fn's error); pages already given to fn stay given.
	Events(ctx context.Context, from, to time.Time, fn func(page []FeedEvent) error) error
}

// Rereader is a Feed whose log is also read again, now and then, further
// back than the overlap reaches: an entry that shows in the log later than
// the overlap after its created time lies before every later window, and
// only such a re-read finds it (internal/poll, reread.go).
type Rereader interface {
	Feed
	// Reread says how far back each re-read reaches and how often one
	// starts; a zero back: never.
	Reread() (back, every time.Duration)
}

// FeedEvent is one entry of a feed channel's log.
type FeedEvent struct {
	ID          string      // the log's id of the entry: the de-duplication key
	ChannelID   string      // the shipment it is about; "" when about none (kept nowhere)
	Tag         string      // the entry's type, as the log names it
	State       model.State // what it means for the shipment; "" when nothing (kept as evidence only)
	Disposition Disposition // the channel printed the letter itself, or it was recalled
	At          time.Time   // when it happened
	Logged      time.Time   // when the log stored it: reads are windows on this time
	SenderOrg   string      // the sending organisation, when the log says
	Recipient   string      // organisation number (CVR), when the recipient is one
	PersonID    string      // national id (CPR), when the recipient is a person; never put in Payload unmasked
	MessageType string      // the kind of message, when the log says (Digital Post: DIGITALPOST, NEMSMS, PHYSICAL_LETTER)
	Payload     json.RawMessage
	Err         error // the entry could not be read; Payload keeps what could be kept
}

// GapError is a read of a feed that got less than the log announced: a
// page that came back empty (asked twice) while more were to follow, fewer
// entries than the log counted, or a page after those given that the log
// answered with an error (Err: a log that caps how deep its pages go). The
// pages around the gap were read and given. After is the created time of
// the last entry read before the first gap (zero: none): a new read from
// there may reach what the log left out. It matches ErrIncomplete, and Err
// when there is one.
type GapError struct {
	After  time.Time
	Reason string
	Err    error
}

func (e *GapError) Error() string {
	if e.Err != nil {
		return ErrIncomplete.Error() + ": " + e.Reason + ": " + e.Err.Error()
	}
	return ErrIncomplete.Error() + ": " + e.Reason
}

// Unwrap makes a GapError match ErrIncomplete, and Err.
func (e *GapError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrIncomplete, e.Err}
	}
	return []error{ErrIncomplete}
}
