package svarut

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// statuses maps every SvarUt status value (v1, v2 and v3) to postvakt's
// state, per the table in testdata/specs/README.md.
var statuses = channel.StatusTable{
	// accepted
	"MOTTATT":   {State: model.StateAccepted},
	"AKSEPTERT": {State: model.StateAccepted},
	// available to the recipient
	"VARSLET":             {State: model.StateAvailable},
	"KLAR_FOR_MOTTAK":     {State: model.StateAvailable},
	"SENDT_DIGITALT":      {State: model.StateAvailable},
	"SENDT_SDP":           {State: model.StateAvailable},
	"LEVERT_SDP":          {State: model.StateAvailable},
	"SENDT_NHN_MOTTAKER":  {State: model.StateAvailable}, // v3
	"LEVERT_NHN_MOTTAKER": {State: model.StateAvailable}, // v3
	// opened
	"LEST": {State: model.StateOpened},
	// rejected
	"AVVIST": {State: model.StateRejected},
	// failed: IKKE_LEVERT is a digital-only shipment that could not be delivered
	"IKKE_LEVERT":         {State: model.StateFailed},
	"FEILET_UNDER_MOTTAK": {State: model.StateFailed}, // v3
	// printed by SvarUt itself: postvakt must not order print again
	"SENDT_PRINT": {State: model.StateAvailable, Disposition: channel.DispositionChannelPrint},
	"PRINTET":     {State: model.StateAvailable, Disposition: channel.DispositionChannelPrint},
	// closed by hand (an administrator stopped printing) or deleted
	"MANUELT_HANDTERT": {State: model.StateExpired, Disposition: channel.DispositionClosed},
	"SLETTET":          {State: model.StateExpired, Disposition: channel.DispositionClosed}, // v3
}

// Statuses returns a copy of the SvarUt status table.
func Statuses() channel.StatusTable { return maps.Clone(statuses) }

// oslo is where SvarUt runs; a timestamp without a zone is read there.
var oslo = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Oslo"); err == nil {
		return loc
	}
	return time.UTC
}()

// parseTime reads sisteStatusEndring: an RFC 3339 date-time (v2), a
// date-time without zone, or epoch milliseconds (v1), as a JSON string or
// number. It returns the zero time for anything else: the status matters
// more than its timestamp.
func parseTime(raw json.RawMessage) time.Time {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, oslo); err == nil {
		return t
	}
	return time.Time{}
}
