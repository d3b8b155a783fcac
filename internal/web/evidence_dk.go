package web

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// copenhagen is where the Danish statement gives its times.
var copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		// Never: time/tzdata is linked in (package calendar). A fixed
		// "CET" would state summer times an hour wrong.
		panic(err)
	}
	return loc
}()

// Digital Post event tags the proof names (see the specs README).
const (
	dpAvailable = "MEMO_AVAILABLE_TO_RECIPIENT"        // "Tilgængelig for modtageren": the legal proof
	dpToSystem  = "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM" // delivered into the recipient's own system
	dpRead      = "MESSAGE_READ"
)

// dpLabels are the event log's Danish names of some events (the public
// guidance, seeds/002).
var dpLabels = map[string]string{"MEMO_SEND_RECEIVED": "Modtaget", "MEMO_SEND_VALIDATED": "Valideret",
	"MEMO_SEND_VALIDATION_FAILED": "Afvist", dpAvailable: "Tilgængelig for modtageren"}

// Kinds of Digital Post proof.
const (
	ProofAvailable       = "available"        // the log shows "Tilgængelig for modtageren"
	ProofRecipientSystem = "recipient_system" // delivered into the recipient's own system only
	ProofNone            = "no_proof"         // events, but none that proves delivery
	ProofNoEvents        = "no_events"        // the log has nothing of the letter
)

// DigitalPostProof is what Digital Post's event log proves of a letter, in
// the terms Ankestyrelsen uses: a letter counts as delivered when the log
// shows it "Tilgængelig for modtageren" (MEMO_AVAILABLE_TO_RECIPIENT); that
// event and its id are the proof. Statement says it in Danish, for the
// authority that judges it.
type DigitalPostProof struct {
	Kind             string     `json:"kind"`
	AvailableAt      *time.Time `json:"available_at,omitempty"`
	AvailableTag     string     `json:"available_event_tag,omitempty"`
	AvailableEventID string     `json:"available_event_id,omitempty"`
	OpenedAt         *time.Time `json:"opened_at,omitempty"`
	OpenedTag        string     `json:"opened_event_tag,omitempty"`
	OpenedEventID    string     `json:"opened_event_id,omitempty"`
	LastTag          string     `json:"last_event_tag,omitempty"`
	LastAt           *time.Time `json:"last_event_at,omitempty"`
	LastEventID      string     `json:"last_event_id,omitempty"`
	ChannelPrinted   bool       `json:"printed_by_digital_post,omitempty"`
	Statement        string     `json:"statement"`
}

// digitalPostProof reads the proof out of a Danish letter's kept log
// entries (among events, evidenceOf's), and makes the evidence's available
// and opened times the log's.
func digitalPostProof(sh *store.Shipment, events []store.Event, e *Evidence) {
	earliest := map[string]*store.Event{}
	var last *store.Event
	for i := range events {
		ev := &events[i]
		if ev.Kind != store.EventChannel || ev.Source != model.ChannelDigitalPost {
			continue
		}
		if f := earliest[ev.RawStatus]; f == nil || ev.ObservedAt.Before(f.ObservedAt) {
			earliest[ev.RawStatus] = ev
		}
		if last == nil || !ev.ObservedAt.Before(last.ObservedAt) {
			last = ev
		}
	}
	p := &DigitalPostProof{Kind: ProofNoEvents, ChannelPrinted: sh.Stage == "channel_print"}
	proof := earliest[dpAvailable]
	switch {
	case proof != nil:
		p.Kind = ProofAvailable
	case earliest[dpToSystem] != nil:
		p.Kind, proof = ProofRecipientSystem, earliest[dpToSystem]
	case last != nil:
		p.Kind = ProofNone
		t := last.ObservedAt
		p.LastTag, p.LastAt, p.LastEventID = last.RawStatus, &t, logID(last)
	}
	if proof != nil {
		t := proof.ObservedAt
		p.AvailableAt, p.AvailableTag, p.AvailableEventID = &t, proof.RawStatus, logID(proof)
		e.AvailableAt, e.AvailableSource = &t, model.ChannelDigitalPost
	}
	if read := earliest[dpRead]; read != nil {
		t := read.ObservedAt
		p.OpenedAt, p.OpenedTag, p.OpenedEventID = &t, read.RawStatus, logID(read)
		e.OpenedAt, e.OpenedSource = &t, model.ChannelDigitalPost
	}
	p.Statement = p.danish()
	e.DigitalPost = p
}

// danish states the proof in Danish, as Ankestyrelsen reads it, whatever
// the reader's language: the Danish catalogue's ev.dk_* texts, which the
// evidence page shows in the reader's language.
func (p *DigitalPostProof) danish() string {
	l := i18n.For("da", nil)
	at := func(t *time.Time) string { return t.In(copenhagen).Format("2006-01-02 15:04:05 -07:00") }
	var s string
	switch p.Kind {
	case ProofAvailable:
		s = l.T("ev.dk_available", "At", at(p.AvailableAt), "Tag", p.AvailableTag, "ID", eventID(l, p.AvailableEventID), "Available", dpLabels[dpAvailable])
	case ProofRecipientSystem:
		s = l.T("ev.dk_recipient_system", "At", at(p.AvailableAt), "Tag", p.AvailableTag, "ID", eventID(l, p.AvailableEventID), "Available", dpLabels[dpAvailable])
	case ProofNone:
		s = l.T("ev.dk_no_proof", "Available", dpLabels[dpAvailable]) + " " + l.T("ev.dk_last", "Tag", p.LastTag+label(p.LastTag), "At", at(p.LastAt), "ID", eventID(l, p.LastEventID))
	default:
		s = l.T("ev.dk_no_events")
	}
	if p.OpenedAt != nil {
		s += " " + l.T("ev.dk_opened", "At", at(p.OpenedAt), "Tag", p.OpenedTag, "ID", eventID(l, p.OpenedEventID))
	}
	if p.ChannelPrinted {
		s += " " + l.T("ev.dk_channel_print")
	}
	return s
}

// DPTag is a Digital Post event tag as the proof names a letter's last
// event, on the page as in the statement: with the log's Danish name when
// the guidance gives one (MEMO_SEND_VALIDATED ("Valideret")), marked as
// Danish (Danish).
func (v view) DPTag(tag string) template.HTML {
	h := html.EscapeString(tag)
	if name, ok := dpLabels[tag]; ok {
		h += ` ("` + string(v.Danish(name)) + `")`
	}
	return template.HTML(h)
}

// Danish is a Danish name on the page (a Digital Post log event's, as
// Ankestyrelsen and the guidance name it): marked lang="da" on a page of
// another language (WCAG 3.1.2), so that a screen reader says it in Danish.
func (v view) Danish(name string) template.HTML {
	if v.L.Lang() == "da" {
		return template.HTML(html.EscapeString(name))
	}
	return template.HTML(`<span lang="da">` + html.EscapeString(name) + `</span>`)
}

// DK is a text of the Digital Post proof (ev.dk_*) in the page's language,
// as T says it, with its Danish names marked (Danish): the "Tilgængelig
// for modtageren" the texts name ({{.Available}}), and any argument that
// is already HTML (DPTag's).
func (v view) DK(key string, args ...any) template.HTML {
	args = append(slices.Clip(args), "Available", v.Danish(dpLabels[dpAvailable]))
	var parts []template.HTML
	for i := 1; i < len(args); i += 2 {
		if h, ok := args[i].(template.HTML); ok {
			// A mark of the private use area: no text of the catalogue's
			// or the log's.
			args[i] = fmt.Sprintf("\uE000%d\uE001", len(parts))
			parts = append(parts, h)
		}
	}
	s := html.EscapeString(v.L.T(key, args...))
	for i, h := range parts {
		s = strings.ReplaceAll(s, fmt.Sprintf("\uE000%d\uE001", i), string(h))
	}
	return template.HTML(s)
}

// label is a tag's Danish name in the event log, quoted after a space, or
// "" for a tag of none.
func label(tag string) string {
	if l, ok := dpLabels[tag]; ok {
		return " (\"" + l + "\")"
	}
	return ""
}

// logID is the event log's id of the entry an evidence row keeps: the id
// the row is kept once by (its external id), else the one its payload
// holds; empty when neither has one (eventID then says so).
func logID(ev *store.Event) string {
	if ev.ExternalID != "" {
		return ev.ExternalID
	}
	var p struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(ev.Payload, &p) != nil {
		return ""
	}
	return p.ID
}

// eventID is a log entry's id as the statement names it in l's language:
// the id, or that it was not kept (a row of no id), never a sign a reader
// must guess at.
func eventID(l *i18n.Localizer, id string) string {
	if id == "" {
		return l.T("ev.dk_no_event_id")
	}
	return id
}

// EventID is a Digital Post log entry's id as the evidence page names it
// (eventID).
func (v view) EventID(id string) string { return eventID(v.L, id) }
