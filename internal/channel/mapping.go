package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// Errors an adapter puts in Observation.Err (wrapped, with detail); match
// them with errors.Is.
var (
	// ErrUnknownStatus: the channel sent a status value the adapter has no
	// mapping for. Observation.Status and Payload keep what was sent.
	ErrUnknownStatus = errors.New("unknown status value")
	// ErrNotKnown: the channel does not know the id (absent from a bulk
	// answer, or 404).
	ErrNotKnown = errors.New("not known to the channel")
	// ErrInvalidID: the id cannot be a shipment id of this channel (e.g. not
	// a UUID); it was not sent, so one bad id cannot fail a whole batch.
	ErrInvalidID = errors.New("not a valid id for the channel")
	// ErrBadRecord: the channel's record for this id could not be read.
	// Observation.Payload keeps the raw record (or, for answers that carry
	// letter content, only its fingerprint: see Unreadable).
	ErrBadRecord = errors.New("unreadable status record")
	// ErrBadTimestamp: the record's time cannot be right (epoch seconds
	// where milliseconds are expected, before the letter was sent, far in
	// the future, garbage). The status is not applied: a wrong time would
	// send a letter to print at once or never.
	ErrBadTimestamp = errors.New("implausible timestamp")
	// ErrRefused: the channel refused to tell about this one id (Altinn
	// 401 code 4001 or 403 for one correspondence): the caller may not
	// read that letter.
	ErrRefused = errors.New("the channel refused to tell about this letter")
	// ErrFailing: the channel's answer about this one id was a server error
	// after retries, or too large; the other ids were answered.
	ErrFailing = errors.New("the channel failed on this letter")
	// ErrNotAsked: the id was not asked about in this call (its time ran
	// out first); not the letter's failure: it is asked again soon.
	ErrNotAsked = errors.New("not asked about in this call")
	// ErrLookupRefused: a feed channel's log refused to look up one
	// letter's entries (a search field it does not take); the letter is
	// not at fault, and only a read of the log over its time finds them.
	ErrLookupRefused = errors.New("the log refused to look up one letter")
	// ErrIncomplete: a listing (Discoverer) that the channel capped, so
	// that some shipments may be left out; what was found comes with it.
	ErrIncomplete = errors.New("the channel's listing may be incomplete")
)

// HistoryFetcher is implemented by channels whose status answer does not
// carry the event history. The poller calls History for an id whose status
// changed and stores the result as Observation.History. (Altinn's details
// already carry statusHistory, so its adapter fills Observation.History in
// Status and implements History only for completeness.)
type HistoryFetcher interface {
	History(ctx context.Context, channelID string) (json.RawMessage, error)
}

// HistoryAsOfFetcher is a HistoryFetcher whose history may lag its status
// (SvarUt writes a status's event after the status): HistoryAsOf is
// History of a change the channel dated changedAt (zero: not dated, as
// History), an error when the history ends before it, its event not
// written yet, so that it is asked for again rather than kept as the
// change's evidence.
type HistoryAsOfFetcher interface {
	HistoryFetcher
	HistoryAsOf(ctx context.Context, channelID string, changedAt time.Time) (json.RawMessage, error)
}

// Mapping is what one channel status value means for postvakt.
type Mapping struct {
	State       model.State
	Disposition Disposition
	// Keep: the status says nothing about the recipient (SvarUt SLETTET:
	// files and metadata deleted for retention), so the shipment keeps its
	// last real state and disposition. State is empty then.
	Keep bool
}

// StatusTable maps a channel's status values to postvakt's. Lookups are
// exact: channels send their enum values verbatim. Build one with
// NewStatusTable.
type StatusTable map[string]Mapping

// StatusGroup is a channel's status values that all mean the same for
// postvakt: one entry of NewStatusTable. Make one with Mapping.For.
type StatusGroup struct {
	Mapping Mapping
	Values  []string
}

// For groups the status values that mean m.
func (m Mapping) For(values ...string) StatusGroup {
	return StatusGroup{Mapping: m, Values: values}
}

// NewStatusTable builds a channel's status table from its groups, each
// status meaning once. A status value that stands twice, in one group or
// in two, panics: the table is the one place that maps a channel's words
// to postvakt's states, and a word may mean only one thing.
func NewStatusTable(groups ...StatusGroup) StatusTable {
	t := StatusTable{}
	for _, g := range groups {
		for _, v := range g.Values {
			if _, dup := t[v]; dup {
				panic(fmt.Sprintf("channel: status %q stands twice in the status table", v))
			}
			t[v] = g.Mapping
		}
	}
	return t
}

// Apply sets o.State and o.Disposition from o.Status, or sets o.Err to a
// wrapped ErrUnknownStatus (State stays empty) when the value is unknown.
// An unknown value is free text from the channel: kept (as the letter's
// raw status, in its error and the log) with the national ids in it
// masked.
func (t StatusTable) Apply(o *Observation) {
	m, ok := t[o.Status]
	if !ok {
		o.State, o.Disposition = "", DispositionNone
		o.Status = string(model.MaskNationalIDsIn([]byte(o.Status)))
		o.Err = fmt.Errorf("%w %q", ErrUnknownStatus, o.Status)
		return
	}
	o.State, o.Disposition, o.KeepState = m.State, m.Disposition, m.Keep
}

// BadResponseError is returned for a whole call whose answer could not be
// read: malformed JSON, an HTML error page, a missing required field. Body
// keeps what NewBadResponse kept of the answer as evidence.
type BadResponseError struct {
	Channel     string
	Op          string
	StatusCode  int
	ContentType string
	Body        []byte
	Err         error
}

// maxEvidence is how many bytes of an unreadable answer are kept.
const maxEvidence = 1024

// NewBadResponse builds a BadResponseError. Of an answer that is not JSON
// (a proxy's HTML page, a plain-text message) it keeps the first 1 KiB,
// national ids masked (one its end would cut left out: model.Excerpt):
// what stood between postvakt and the channel. Of one that is JSON, broken
// or cut off, it keeps only its length and SHA-256 (Unreadable): the
// entries of a channel's answer carry letters' titles and national ids
// (a Digital Post page's label, owner and recipientID in its first few
// hundred bytes), which go neither into poll errors nor into logs.
// received (httpclient.Response.Received) says how an answer decoded from
// another character set came: the length and SHA-256 kept are then those
// of the bytes received, with their charset, and kept text ends with them.
func NewBadResponse(channel, op string, statusCode int, contentType string, body []byte, received *httpclient.Received, err error) *BadResponseError {
	kept := UnreadableAnswer(body, received)
	if !LooksLikeJSON(body) {
		kept = model.MaskNationalIDsIn(model.Excerpt(body, maxEvidence))
		if received != nil {
			kept = append(kept, "\n["+received.String()+"]"...)
		}
	}
	return &BadResponseError{Channel: channel, Op: op, StatusCode: statusCode, ContentType: contentType, Body: kept, Err: err}
}

// LooksLikeJSON reports whether an answer starts as a JSON object or array.
func LooksLikeJSON(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n\ufeff")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

func (e *BadResponseError) Error() string {
	what := "unreadable answer"
	if LooksLikeHTML(e.ContentType, e.Body) {
		what = "HTML page instead of JSON"
	}
	b := e.Body
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("%s %s: %s (HTTP %d, %s): %v; body starts %q", e.Channel, e.Op, what, e.StatusCode, e.ContentType, e.Err, b)
}

func (e *BadResponseError) Unwrap() error { return e.Err }

// Raw returns the kept first bytes of the answer, for the evidence trail.
func (e *BadResponseError) Raw() string { return string(e.Body) }

// LooksLikeHTML reports whether an answer is an HTML page (a proxy's or
// login page's) rather than the API's JSON. A body that starts as JSON
// is not a page whatever its Content-Type says (a proxy or a framework
// labelling the API's JSON text/html).
func LooksLikeHTML(contentType string, body []byte) bool {
	if LooksLikeJSON(body) {
		return false
	}
	if strings.Contains(strings.ToLower(contentType), "html") {
		return true
	}
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '<'
}

// Evidence returns body as a JSON value fit for Observation.Payload: the
// body itself when it is valid JSON, otherwise the body as a JSON string,
// so garbage is kept and still stores as JSON.
func Evidence(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) > 0 && json.Valid(body) {
		return append(json.RawMessage(nil), body...)
	}
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	s, _ := json.Marshal(string(body))
	return s
}

// ValidUUID reports whether s is a UUID in the 8-4-4-4-12 hex form, the id
// format of SvarUt and Altinn.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
