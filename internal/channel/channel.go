// Package channel defines what the poller needs from a delivery channel
// (SvarUt, Altinn 3, Danish Digital Post) and the types that carry a
// channel's answer. One adapter package per channel implements Channel; a
// channel whose API is an event log implements Feed too (feed.go).
package channel

import (
	"context"
	"encoding/json"
	"time"

	"postvakt/internal/model"
)

// Disposition says what else a channel status means beyond the delivery
// state: the channel printed the letter itself, it was closed by hand or
// deleted, or it went into the recipient's own system. Each stops
// postvakt's own escalation.
type Disposition string

// Dispositions.
const (
	DispositionNone         Disposition = ""
	DispositionChannelPrint Disposition = "channel_print"
	DispositionClosed       Disposition = "closed"
	// DispositionRecipientSystem: delivered into the recipient's own
	// system, where no reading is ever told (model.StageRecipientSystem).
	DispositionRecipientSystem Disposition = "recipient_system"
)

// Observation is what a channel said about one shipment in one poll.
type Observation struct {
	ChannelID   string      // the channel's shipment id
	Status      string      // the channel's own status value, as sent
	State       model.State // the normalised state; empty when Err is set
	Disposition Disposition // channel print or closed, if the status says so
	ChangedAt   time.Time   // when the channel says the status changed; zero if it does not say
	// EnteredAt is when the letter entered State, when the answer tells and
	// it is before ChangedAt (an Altinn history's Read before a later
	// Confirmed: opened since the Read); zero: ChangedAt. ChangedAt stays
	// the status's own time, which a new status in the same state is
	// dated by.
	EnteredAt time.Time
	// AvailableAt is when the channel says the letter became available to
	// its recipient, when the answer tells and it is before the state's
	// time (an Altinn history's Published before its Read); zero: that time.
	AvailableAt time.Time
	// HeldUntil is when the channel is to publish a letter the sender asked
	// to be published later and it has not published yet (Altinn's
	// requestedPublishTime of a correspondence not yet Published); zero:
	// not said. The poller keeps it only while it is ahead.
	HeldUntil time.Time
	Payload   json.RawMessage // the raw status record, kept as evidence
	History   json.RawMessage // the channel's event history, fetched when the status changed; may be nil
	Events    []FeedEvent     // a Feed's log entries about this shipment, each kept as evidence
	// KeepState: the status is recorded but says nothing about delivery
	// (SvarUt SLETTET); the shipment keeps its state, and Disposition
	// still applies (SLETTET: closed). State is empty then.
	KeepState bool
	Err       error // this id could not be read (unknown status, garbage): the shipment stays as it was
}

// Channel is one delivery channel's status API.
type Channel interface {
	// Name is the channel's name as stored on shipments ("svarut", "altinn").
	Name() string
	// BatchSize is how many ids one Status call should carry at most.
	BatchSize() int
	// Status asks for the current status of the given channel ids. Anything
	// wrong with one id is that id's Observation.Err (ErrNotKnown for an id
	// the channel has never heard of); the error return is for a call that
	// failed as a whole (network, 5xx after retries, open breaker, an
	// unreadable batch answer). A poller narrows a batch whose call fails
	// as a whole by asking again for its halves (see httpclient.Narrowing).
	// A channel asked about each id on its own that failed on every one
	// returns an *AllFailedError.
	Status(ctx context.Context, ids []string) ([]Observation, error)
}

// AllFailedError is a Status call's error when the channel, asked about
// each id on its own (Altinn's details), failed on every one of them: a
// server error after retries, no answer in time, a page instead of an
// answer. That is the channel down, and the call failed, unless the
// channel answers about a letter it answered before (the poller asks one):
// then the failures are the letters' own, and Obs, one per id asked with
// its Err, is the answer. Asking again for halves would tell nothing new:
// every id was asked on its own.
type AllFailedError struct {
	Err error         // why, for the call
	Obs []Observation // the letters' own answers
}

func (e *AllFailedError) Error() string { return e.Err.Error() }
func (e *AllFailedError) Unwrap() error { return e.Err }

// Raw is the evidence of the first letter's answer that has one, for the
// failed call's record.
func (e *AllFailedError) Raw() string {
	for _, o := range e.Obs {
		if len(o.Payload) > 0 {
			return string(o.Payload)
		}
	}
	return ""
}

// Found is a shipment discovered on a channel by listing the sender's
// shipments, with what the channel told of it.
type Found struct {
	ChannelID    string
	SentAt       time.Time
	SenderOrg    string // the sending organisation, when the channel gives it
	Recipient    string // organisation number, when the channel gives it
	PersonID     string // national identity number, when the recipient is a person
	Title        string
	Confidential bool
	Observation  Observation
}

// Discoverer is implemented by channels that can list the sender's
// shipments in a time window (for back-fill). A listing the channel capped
// returns what it found with an error wrapping ErrIncomplete.
type Discoverer interface {
	Discover(ctx context.Context, from, to time.Time) ([]Found, error)
}
