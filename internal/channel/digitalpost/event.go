package digitalpost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// Tags is what each event tag means for postvakt (the table in the specs
// README). A tag not listed is kept as evidence and moves nothing.
var Tags = channel.NewStatusTable(
	// accepted: received and validated, or held for a delayed send
	channel.Mapping{State: model.StateAccepted}.For("MEMO_SEND_RECEIVED", "MEMO_SEND_VALIDATED",
		"DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY", "DELAYED_MEMO_SEND_SENT"),
	// rejected
	channel.Mapping{State: model.StateRejected}.For("MEMO_SEND_VALIDATION_FAILED", "MEMO_ARCHIVE_REJECTED"),
	// failed
	channel.Mapping{State: model.StateFailed}.For("MEMO_SEND_FAILED", "MEMO_TRANSFORMATION_FAILED",
		"MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM_FAILED"),
	// available to the recipient (TagAvailable is the proof of delivery)
	channel.Mapping{State: model.StateAvailable}.For(TagAvailable),
	// delivered into the recipient's own system (a company's or an
	// authority's case system): available, and the log never tells a
	// reading of it, so a reminder ("log in on virk.dk") would point at a
	// mailbox it is not in and print would deliver it twice: escalation
	// ends there
	channel.Mapping{State: model.StateAvailable, Disposition: channel.DispositionRecipientSystem}.For(
		"MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM", "MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM"),
	// opened
	channel.Mapping{State: model.StateOpened}.For("MESSAGE_READ"),
	// printed by Digital Post itself: postvakt must not order print again
	channel.Mapping{Disposition: channel.DispositionChannelPrint}.For("UNOPENED_MAIL_SENT_AS_PHYSICAL_POST", "PHYSICAL_LETTER_SENT"),
	// recalled (DELAYED_MEMO_MESSAGE_RECALLED, a delayed send recalled
	// before its time, is not in the specs README's table but is in the
	// API's event tags, NgDP 1.68)
	channel.Mapping{Disposition: channel.DispositionClosed}.For("MEMO_SEND_RECALLED", "MEMO_MESSAGE_RECALLED",
		"MESSAGE_RECALLED_BY_ADMINISTRATOR", "DELAYED_MEMO_MESSAGE_RECALLED"),
)

// TagAvailable is the legal proof of delivery: "Tilgængelig for modtageren".
const TagAvailable = "MEMO_AVAILABLE_TO_RECIPIENT"

// maxCreatedBefore is how far before an entry's eventTime its created may
// lie and still be taken as when it happened: clock skew and a local time
// written with a Z are hours, not more than a day.
const maxCreatedBefore = 24 * time.Hour

// maxEntryID bounds a log entry's id: its evidence row's unique key
// (PostgreSQL's index entries hold a few kilobytes at most).
const maxEntryID = 512

// tagReceived is a letter's first entry: Digital Post received it (when it
// was sent).
const tagReceived = "MEMO_SEND_RECEIVED"

// tagSearches is the log's record of a search (every events/ call makes
// one): about no letter, ignored.
const tagSearches = "EVENT_LOG_SEARCHES"

// Evidence is what postvakt keeps of one event: identifiers and times,
// never the label (the letter's title) or other content. recipientID is
// masked when it is a CPR number. Times are kept as the log gave them.
type Evidence struct {
	ID             string          `json:"id"`
	EventID        string          `json:"eventId,omitempty"`
	RootID         string          `json:"rootId,omitempty"`
	EventTag       string          `json:"eventTag"`
	EventTime      json.RawMessage `json:"eventTime,omitempty"`
	Created        json.RawMessage `json:"created,omitempty"`
	MessageUUID    string          `json:"messageUUID,omitempty"`
	TransmissionID string          `json:"transmissionId,omitempty"`
	RecipientID    string          `json:"recipientID,omitempty"`
	ReceiptStatus  string          `json:"receiptStatus,omitempty"` // only one that rejects
	MessageType    string          `json:"messageType,omitempty"`   // only NEMSMS or PHYSICAL_LETTER
	Recalled       bool            `json:"recalled,omitempty"`      // only when true
}

// errBadEvent marks an event entry that could not be read.
var errBadEvent = errors.New("unreadable event")

// entry is an EventLog entry's fields as given, its metaProperties read in
// the same pass. A json.RawMessage takes any value: a field of an
// unexpected type is that field's problem (str, timeEvidence and parseTime
// read what they can), not the entry's.
type entry struct {
	ID        json.RawMessage `json:"id"`
	EventID   json.RawMessage `json:"eventId"`
	RootID    json.RawMessage `json:"rootId"`
	EventTag  json.RawMessage `json:"eventTag"`
	EventTime json.RawMessage `json:"eventTime"`
	Created   json.RawMessage `json:"created"`
	Meta      entryMeta       `json:"metaProperties"`
}

// entryMeta is the metaProperties postvakt reads; the others (the label,
// the letter's title, among them) are skipped unread.
type entryMeta struct {
	MessageUUID    json.RawMessage `json:"messageUUID"`
	TransmissionID json.RawMessage `json:"transmissionId"`
	SenderID       json.RawMessage `json:"senderID"`
	RecipientID    json.RawMessage `json:"recipientID"`
	RecipientType  json.RawMessage `json:"recipientType"`
	ReceiptStatus  json.RawMessage `json:"receiptStatus"`
	MessageType    json.RawMessage `json:"messageType"`
	Recalled       json.RawMessage `json:"recalled"`
}

// parseEvent reads one EventLog entry. It never fails the page: an entry
// that cannot be used comes back with Err set and as much evidence as
// could be read.
func parseEvent(raw json.RawMessage) channel.FeedEvent {
	var e entry
	err := json.Unmarshal(raw, &e)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && strings.HasPrefix(te.Field, "metaProperties") {
		// A broken metaProperties leaves the letter unknown.
		e.Meta, err = entryMeta{}, nil
	}
	if t := bytes.TrimSpace(raw); err != nil || len(t) == 0 || t[0] != '{' {
		why := "not a JSON object"
		if err != nil {
			why += ": " + err.Error()
		}
		// Kept as its length and hash: such an entry (a string holding
		// the entry, an array) may carry its label and CPR number.
		return channel.FeedEvent{Err: fmt.Errorf("%w: %s", errBadEvent, why), Payload: channel.Unreadable(raw, "id", "eventTag", "created")}
	}
	return e.event()
}

// event reads what the entry says.
func (e *entry) event() channel.FeedEvent {
	var fe channel.FeedEvent
	meta := &e.Meta
	ev := Evidence{ID: str(e.ID), EventID: str(e.EventID), RootID: str(e.RootID), EventTag: str(e.EventTag),
		EventTime: timeEvidence(e.EventTime), Created: timeEvidence(e.Created),
		MessageUUID: strings.ToLower(str(meta.MessageUUID)), TransmissionID: str(meta.TransmissionID)}
	if rs := strings.ToUpper(str(meta.ReceiptStatus)); rejectingReceipts[rs] {
		ev.ReceiptStatus = rs // the proof of a rejection
	}
	// The tag is an enum's name; read in any case, as the receipt status
	// and messageType are (a lower-case MEMO_AVAILABLE_TO_RECIPIENT is
	// still the proof of delivery). The evidence keeps it as given.
	fe.ID, fe.Tag, fe.ChannelID = ev.ID, strings.ToUpper(ev.EventTag), ev.MessageUUID
	if cvr := digits(str(meta.SenderID)); len(cvr) == 8 {
		// The sender is an authority's CVR number (MeMo's SenderID), bare
		// or prefixed; anything else (a sender system's uuid, whose digits
		// would make a number no CVR number has) names no sender, or
		// discover would leave the letter alone as another sender's.
		fe.SenderOrg = cvr
	}
	if fe.MessageType = strings.ToUpper(str(meta.MessageType)); fe.MessageType == messageSMS || fe.MessageType == messagePhysical {
		ev.MessageType = fe.MessageType // the proof of what it is (a letter's, DIGITALPOST, is not kept)
	}
	// metaProperties.recalled (the notes list it): the sender recalled
	// the letter, whatever the entry's tag says (one of the many tags
	// the table does not know, a later entry of the letter).
	ev.Recalled = strings.EqualFold(str(meta.Recalled), "true")
	if fe.Tag == tagSearches {
		// The log's record of a search is about no letter, even one that
		// names the messageUUID searched for (postvakt's own look-up of
		// a letter the log has never heard of would make it "known").
		fe.ChannelID = ""
	}
	recipient, rtype := digits(str(meta.RecipientID)), str(meta.RecipientType)
	citizen := strings.EqualFold(rtype, "CITIZEN") || strings.EqualFold(rtype, "CPR")
	if n := bytes.TrimSpace(meta.RecipientID); len(recipient) == 9 && (citizen || len(n) == 9 && n[0] != '"') {
		// A CPR number sent as a JSON number, or through a spreadsheet,
		// loses its leading zero (a CVR number never has one).
		recipient = "0" + recipient
	}
	switch {
	case recipient == "":
	// A CPR number has ten digits (a CVR number eight; a P-number is never
	// a recipient): its shape decides, whatever the type says ("CITIZEN"
	// in the notes; MeMo's "CPR", or another case, would do as well).
	case len(recipient) == 10 || citizen:
		fe.PersonID, ev.RecipientID = recipient, model.MaskPersonID(recipient)
	case len(recipient) == 8:
		fe.Recipient, ev.RecipientID = recipient, recipient
	default:
		// Neither a CPR number's shape nor a CVR number's: it may be a
		// CPR number written oddly, so the evidence keeps it masked.
		fe.Recipient, ev.RecipientID = recipient, model.MaskPersonID(recipient)
	}
	fe.Payload, _ = json.Marshal(ev)
	var problems []string
	if fe.ID == "" {
		problems = append(problems, "no id")
	} else if len(fe.ID) > maxEntryID {
		problems = append(problems, fmt.Sprintf("an id of %d bytes", len(fe.ID)))
		// For the entry's error and log line, cut where no number is cut
		// short (a CPR number cut short is not recognised to mask).
		fe.ID = string(model.Excerpt([]byte(fe.ID), 64))
	}
	if fe.Tag == "" {
		problems = append(problems, "no eventTag")
	}
	// created (when the log stored the entry) is later than eventTime
	// (when it happened), the notes say; the window reads by created.
	logged, createdErr := parseTime(e.Created)
	at, err := parseTime(e.EventTime)
	if err != nil || !channel.InEra(at) {
		// The entry still proves what it says; it happened no later than
		// the log stored it. (0001-01-01, a producer's default, is no
		// time; nor is a number in another unit than milliseconds.)
		at = logged
	}
	switch {
	case (createdErr != nil || logged.IsZero()) && !at.IsZero():
		// No created (0001-01-01 is none either): the entry was stored no
		// earlier than it happened, so a cursor moved to its eventTime
		// never passes it.
		logged = at
	case createdErr != nil:
		problems = append(problems, "created: "+createdErr.Error())
	case at.After(logged) && at.Sub(logged) <= maxCreatedBefore:
		// An eventTime after the log stored the entry (a producer's local
		// time written with a Z, a skewed clock) is wrong: it happened by
		// created. Taken as given it would be "in the future" while the
		// cursor moves past created, and the entry be lost.
		at = logged
	}
	// A created further before the eventTime than that (1970: epoch
	// seconds read as milliseconds; a producer's default) is the wrong
	// one: taken, it would date the entry before its letter was sent, and
	// the poller would take it at the sent time (a MESSAGE_READ dated by
	// postvakt, not the log). The eventTime stands.
	fe.At, fe.Logged = at, logged
	if len(problems) > 0 {
		fe.Err = fmt.Errorf("%w: %s", errBadEvent, strings.Join(problems, "; "))
		return fe
	}
	if m, ok := Tags[fe.Tag]; ok {
		fe.State, fe.Disposition = m.State, m.Disposition
	}
	if rejectingReceipts[ev.ReceiptStatus] && sendTag(fe.Tag) && fe.Disposition == channel.DispositionNone &&
		(fe.State == "" || fe.State == model.StateAccepted) {
		// The receipt refused the letter; a tag past acceptance says
		// more, and wins.
		fe.State = model.StateRejected
	}
	if fe.MessageType == messagePhysical && fe.Disposition == channel.DispositionNone &&
		(fe.State == model.StateAccepted || fe.State == model.StateAvailable) {
		// A memo Digital Post sends as a physical letter from the start
		// (a citizen exempt from Digital Post): on paper by the channel,
		// never to be read in a mailbox nor printed again by the sender.
		// One its receipt refused (above) was not sent at all.
		fe.Disposition = channel.DispositionChannelPrint
	}
	if ev.Recalled {
		// A recalled letter is closed, as a recall's tag closes it: never
		// reminded or printed.
		fe.Disposition = channel.DispositionClosed
	}
	return fe
}

// The log's messageType values that are not a Digital Post letter to
// watch (metaProperties.messageType: DIGITALPOST | NEMSMS | PHYSICAL_LETTER).
const (
	messageSMS      = "NEMSMS"          // a text message: never read in a mailbox, discovery registers none
	messagePhysical = "PHYSICAL_LETTER" // sent on paper by Digital Post: the channel printed it
)

// rejectingReceipts are the receipt statuses that mean the letter was
// rejected (the notes: INVALID, NOT_ALLOWED; RECEIVED and COMPLETED say
// nothing more than a received entry).
var rejectingReceipts = map[string]bool{"INVALID": true, "NOT_ALLOWED": true}

// sendTag: the entry is about the send itself (MEMO_SEND_…, a delayed
// send's DELAYED_MEMO_SEND_…), the only entries whose receipt status
// rejects the letter. Rejected is final and leads towards print; another
// tag's receipt status (of 129 tags, most the adapter does not know: a
// reply's, another message's) is kept as evidence and rejects nothing.
func sendTag(tag string) bool {
	return strings.HasPrefix(tag, "MEMO_SEND_") || strings.HasPrefix(tag, "DELAYED_MEMO_SEND_")
}

// page is an EventLogSearchResult read in one pass, its entries included
// (decodePage).
type page struct {
	Events *[]entry `json:"events"`
	paging
}

// decodePage reads body into a page as json.Unmarshal would (keys matched
// as it matches them, the last of a repeated key winning), but with each
// "events" array read afresh: a repeated key must not leave one entry's
// fields in another, as decoding into the same slice would. Walking the
// top level with a Decoder reads the entries in two passes (scan, decode);
// through an UnmarshalJSON method they took four (validate, skip,
// validate again, decode), a fifth of a feed read's CPU.
func decodePage(body []byte) (page, error) {
	var p page
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return p, fmt.Errorf("not a JSON object (%v)", err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return p, err
		}
		key, _ := t.(string)
		switch {
		case matchKey(key, "events"):
			var fresh *[]entry
			err = dec.Decode(&fresh)
			p.Events = fresh
		case matchKey(key, "totalPages"):
			err = dec.Decode(&p.RawPages)
		case matchKey(key, "totalElements"):
			err = dec.Decode(&p.RawElements)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return p, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return p, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, errors.New("data after the answer's object")
	}
	return p, p.settle()
}

// matchKey says whether a JSON key names a field of the given name as
// encoding/json matches them: exactly, or equal under case folding.
func matchKey(key, name string) bool { return key == name || strings.EqualFold(key, name) }

// readPage reads an answer's events. A page decodes in one pass (page); one
// that does not — an entry that is not an object, a metaProperties that is
// not one — is read again entry by entry (envelope, parseEvent), so that
// such an entry spoils only itself. Both read an entry the same way.
// Reading each entry, and its metaProperties, on its own was most of a
// feed read's CPU.
func readPage(body []byte) (evs []channel.FeedEvent, at paging, err error) {
	if p, err := decodePage(body); err == nil && p.Events != nil && !slices.ContainsFunc(*p.Events, unread) {
		evs = make([]channel.FeedEvent, len(*p.Events))
		for i := range *p.Events {
			evs[i] = (*p.Events)[i].event()
		}
		return evs, p.paging, nil
	}
	var env envelope
	if err = json.Unmarshal(body, &env); err == nil {
		err = env.settle()
	}
	if err != nil || env.Events == nil {
		if err == nil && env.TotalElements != nil && *env.TotalElements == 0 {
			// No hits, and the list left out as a null field may be (the
			// service's answers leave out fields that are null).
			return nil, env.paging, nil
		}
		if err == nil {
			err = errors.New(`no "events" in the answer`)
		}
		return nil, paging{}, err
	}
	evs = make([]channel.FeedEvent, len(*env.Events))
	for i, raw := range *env.Events {
		evs[i] = parseEvent(raw)
	}
	return evs, env.paging, nil
}

// unread: nothing of the entry was read. It may have been null rather than
// an object; the entry-by-entry reading tells.
func unread(e entry) bool { return e.ID == nil && e.EventTag == nil }

// str reads a JSON string; anything else (a number, null) reads as its
// literal text, trimmed, so an id sent as a number is still an id.
func str(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if s, ok := plainString(raw); ok {
		return strings.TrimSpace(s)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	if raw[0] == '{' || raw[0] == '[' {
		return ""
	}
	return string(raw)
}

// plainString reads a JSON string without escapes, control characters or
// invalid UTF-8 — what json.Unmarshal would read from it — without
// decoding: the fields of a page's thousands of entries were each
// validated and decoded again (most of a Digital Post feed read's CPU was
// encoding/json). ok is false for anything else; decode that.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// digits keeps a national id's digits ("1234567890", "DK12345678" → "12345678").
func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// timeEvidence keeps a time field as given when it is a string or a number;
// one that is no time of this era (a mis-mapped field may hold a CPR
// number) with a national id in it masked (model.MaskTime), as its error
// quotes it.
func timeEvidence(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || raw[0] == '{' || raw[0] == '[' || !json.Valid(raw) {
		return nil
	}
	if raw[0] != '"' {
		// A number PostgreSQL's jsonb cannot hold (1e1000000) is no time.
		if f, err := strconv.ParseFloat(string(raw), 64); err != nil || math.IsInf(f, 0) || (f == 0 && strings.ContainsAny(string(raw), "123456789")) {
			return nil
		}
	}
	if t, err := parseTime(raw); err == nil && channel.InEra(t) {
		return append(json.RawMessage(nil), raw...)
	}
	m, _ := channel.MaskScalar(raw)
	return m
}

// timeLayouts are the shapes a time is read in besides RFC 3339 with any
// fraction (channel.ParseTime: the log's own, 2023-08-25T00:49:34.437Z):
// Jackson's numeric offset (+0000), an offset of hours alone (+02, ISO
// 8601's), a local time without zone (taken as UTC, the log's zone), and
// a time without seconds.
var timeLayouts = []string{"2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999Z07", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04"} // the last two: Java's toString() drops zero seconds

// parseTime reads a time given as a string in one of timeLayouts (a
// ZonedDateTime's region after its offset, "…Z[UTC]", dropped: the
// offset fixes the instant), as epoch milliseconds, or as epoch seconds
// with a fraction (Jackson's default for a java.time instant:
// 1692924574.437000000), either also as text when it is a time of this
// era. Its error quotes the value, a national id in it masked
// (model.QuoteTime).
func parseTime(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, errors.New("missing")
	}
	if raw[0] != '"' {
		return parseEpoch(string(raw))
	}
	s, ok := plainString(raw)
	if !ok {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("%s is not a time", model.QuoteTime(string(raw)))
		}
	}
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789.") == "" {
		// An epoch number written as text (a serializer or a gateway
		// writing numbers so, as the page's counts may come): read as the
		// number is, when it is a time of this era; other digits (a
		// national id in a mis-mapped field) are no time.
		if t, err := parseEpoch(s); err == nil && channel.InEra(t) {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%s is not a time", model.QuoteTime(s))
	}
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		s = s[:i]
	}
	if t, err := channel.ParseTime(s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s is not a time", model.QuoteTime(s))
}

// parseEpoch reads a JSON number as a time: an integer is epoch
// milliseconds (java.util.Date's form), a decimal fraction epoch seconds
// (java.time's, nanoseconds after the point).
func parseEpoch(n string) (time.Time, error) {
	whole, _, decimal := strings.Cut(n, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("%s is not a time", model.QuoteTime(n))
	}
	if !decimal {
		return time.UnixMilli(sec).UTC(), nil
	}
	t, ok := channel.EpochSecondsFraction(n)
	if !ok || t.After(channel.EraEnd) {
		return time.Time{}, fmt.Errorf("%s is not a time", model.QuoteTime(n))
	}
	return t, nil
}

// formatTime is the request time format, yyyy-MM-ddTHH:mm:ss.SSSZ in UTC:
// with a literal Z as the log writes its times, or (offset) with Java's
// numeric offset, +0000.
func formatTime(t time.Time, offset bool) string {
	if offset {
		return t.UTC().Format("2006-01-02T15:04:05.000-0700")
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// fold turns one letter's events into an observation: the furthest state
// the events reach (the state never moves back), the channel's own print
// or a recall, and every event once.
func fold(id string, evs []channel.FeedEvent) channel.Observation {
	seen := map[string]bool{}
	evs = slices.DeleteFunc(slices.Clone(evs), func(e channel.FeedEvent) bool {
		dup := e.ID != "" && seen[e.ID]
		seen[e.ID] = true
		return dup
	})
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].At.Before(evs[b].At) })
	o := channel.Observation{ChannelID: id, State: model.StateRegistered, Events: evs}
	payloads := make([]json.RawMessage, 0, len(evs))
	var last time.Time
	for _, e := range evs {
		payloads = append(payloads, e.Payload)
		if e.Err != nil {
			continue
		}
		if e.Disposition != channel.DispositionNone && !e.At.Before(last) {
			o.Disposition = e.Disposition
		}
		if e.State != "" && e.State != o.State && model.CheckTransition(o.State, e.State) == nil {
			o.State, o.Status, o.ChangedAt = e.State, e.Tag, e.At
		}
		if e.At.After(last) {
			last = e.At
		}
	}
	o.Payload, _ = json.Marshal(payloads)
	return o
}
