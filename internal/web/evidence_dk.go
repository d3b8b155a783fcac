package web

import (
	"encoding/json"
	"fmt"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// copenhagen is where a Danish letter's times are stated.
var copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// Digital Post event tags the evidence names (see the specs README).
const (
	dpAvailable  = "MEMO_AVAILABLE_TO_RECIPIENT"             // "Tilgængelig for modtageren": the legal proof
	dpToSystem   = "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM"      // delivered into the recipient's own system
	dpRead       = "MESSAGE_READ"                            // read
	dpValidated  = "MEMO_SEND_VALIDATED"                     // "Valideret"
	dpReceived   = "MEMO_SEND_RECEIVED"                      // "Modtaget"
	dpValidFail  = "MEMO_SEND_VALIDATION_FAILED"             // "Afvist"
	dpPhysical   = "UNOPENED_MAIL_SENT_AS_PHYSICAL_POST"     // printed and posted by Digital Post
	dpDanishTime = "2006-01-02 15:04:05 -07:00 (Copenhagen)" // how the statement writes a time
)

// dpLabels are the event log's Danish names of some events (the public
// guidance, seeds/002).
var dpLabels = map[string]string{dpReceived: "Modtaget", dpValidated: "Valideret", dpValidFail: "Afvist",
	dpAvailable: "Tilgængelig for modtageren"}

// digitalPostProof states what Digital Post's event log proves, in the terms
// Ankestyrelsen uses: a letter counts as delivered when the log shows it
// "Tilgængelig for modtageren" (MEMO_AVAILABLE_TO_RECIPIENT); the event and
// its id are the proof. Reading is stated when the log shows it.
func digitalPostProof(sh *store.Shipment, e *Evidence) {
	var avail, toSystem, read, last *store.Event
	for i := range sh.Events {
		ev := &sh.Events[i]
		if ev.Kind != store.EventChannel || ev.Source != model.ChannelDigitalPost {
			continue
		}
		switch {
		case ev.RawStatus == dpAvailable && (avail == nil || ev.ObservedAt.Before(avail.ObservedAt)):
			avail = ev
		case ev.RawStatus == dpToSystem && (toSystem == nil || ev.ObservedAt.Before(toSystem.ObservedAt)):
			toSystem = ev
		case ev.RawStatus == dpRead && (read == nil || ev.ObservedAt.Before(read.ObservedAt)):
			read = ev
		}
		if last == nil || !ev.ObservedAt.Before(last.ObservedAt) {
			last = ev
		}
	}
	at := func(ev *store.Event) string { return ev.ObservedAt.In(copenhagen).Format(dpDanishTime) }
	switch {
	case avail != nil:
		t := avail.ObservedAt
		e.AvailableAt, e.AvailableSource, e.AvailableEventID = &t, "Digital Post's event log", logID(avail)
		e.Statement = fmt.Sprintf("The letter was \"Tilgængelig for modtageren\" (available to the recipient) from %s, according to the Digital Post event log (hændelsesloggen): event %s, event id %s.",
			at(avail), dpAvailable, e.AvailableEventID)
	case toSystem != nil:
		t := toSystem.ObservedAt
		e.AvailableAt, e.AvailableSource, e.AvailableEventID = &t, "Digital Post's event log", logID(toSystem)
		e.Statement = fmt.Sprintf("The letter was delivered into the recipient's own system at %s, according to the Digital Post event log (hændelsesloggen): event %s, event id %s. The log holds no \"Tilgængelig for modtageren\" event for it.",
			at(toSystem), dpToSystem, e.AvailableEventID)
	case last != nil:
		e.Statement = fmt.Sprintf("The Digital Post event log (hændelsesloggen) holds no \"Tilgængelig for modtageren\" event for this letter: it does not prove delivery. Its last event is %s%s at %s (event id %s).",
			last.RawStatus, label(last.RawStatus), at(last), logID(last))
	default:
		e.Statement = "The Digital Post event log (hændelsesloggen) holds no event for this letter at all: there is no proof that it reached Digital Post."
	}
	if read != nil {
		t := read.ObservedAt
		e.OpenedAt, e.OpenedSource, e.OpenedEventID = &t, "Digital Post's event log", logID(read)
		e.Statement += fmt.Sprintf(" It was opened at %s (event %s, event id %s).", at(read), dpRead, e.OpenedEventID)
	}
	if sh.Stage == "channel_print" {
		e.Statement += " Digital Post printed and posted it itself (" + dpPhysical + ")."
	}
}

func label(tag string) string {
	if l, ok := dpLabels[tag]; ok {
		return " (\"" + l + "\")"
	}
	return ""
}

// logID is the event log's id of the entry an evidence row keeps.
func logID(ev *store.Event) string {
	var p struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(ev.Payload, &p) != nil || p.ID == "" {
		return "unknown"
	}
	return p.ID
}
