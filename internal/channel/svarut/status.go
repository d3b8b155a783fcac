package svarut

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// statuses maps every SvarUt status value (v1, v2 and v3) to postvakt's
// state, per the table in testdata/specs/README.md.
var statuses = channel.NewStatusTable(
	// accepted; MOTTAT is how KS's published JSON schema of the v1 status
	// (svarut-rest-klient json/forsendelseStatus.json) spells MOTTATT
	// in its enum: an answer written from that schema says it so
	channel.Mapping{State: model.StateAccepted}.For("MOTTATT", "MOTTAT", "AKSEPTERT"),
	// available to the recipient
	channel.Mapping{State: model.StateAvailable}.For("VARSLET", "KLAR_FOR_MOTTAK", "SENDT_DIGITALT", "SENDT_SDP", "LEVERT_SDP",
		"SENDT_NHN_MOTTAKER", "LEVERT_NHN_MOTTAKER"), // v3
	// opened
	channel.Mapping{State: model.StateOpened}.For("LEST"),
	// rejected
	channel.Mapping{State: model.StateRejected}.For("AVVIST"),
	// failed: IKKE_LEVERT is a digital-only shipment that could not be
	// delivered; FEILET_UNDER_MOTTAK is v3
	channel.Mapping{State: model.StateFailed}.For("IKKE_LEVERT", "FEILET_UNDER_MOTTAK"),
	// printed by SvarUt itself: postvakt must not order print again
	channel.Mapping{State: model.StateAvailable, Disposition: channel.DispositionChannelPrint}.For("SENDT_PRINT", "PRINTET"),
	// closed by hand (an administrator stopped printing)
	channel.Mapping{State: model.StateExpired, Disposition: channel.DispositionClosed}.For("MANUELT_HANDTERT"),
	// files and metadata deleted for retention (v3): not something the
	// recipient did, so the letter keeps its last real state (an unread
	// letter stays unread, a printed one printed), but it is gone: nobody
	// can open it any more, so its escalation ends (no reminder, no print)
	// and it is not polled again, as Altinn's PurgedBy* (specs/README.md
	// puts both in the row "closed by hand / gone")
	channel.Mapping{Keep: true, Disposition: channel.DispositionClosed}.For("SLETTET"),
)

// Statuses returns a copy of the SvarUt status table.
func Statuses() channel.StatusTable { return maps.Clone(statuses) }

// oslo is where SvarUt runs; a timestamp without a zone is read there.
var oslo = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Oslo"); err == nil {
		return loc
	}
	return time.UTC
}()

// Bounds of an epoch-milliseconds sisteStatusEndring: below minEpochMS
// (1973 as milliseconds) the number is most likely epoch seconds, above
// maxEpochMS (year 5138) microseconds.
const (
	minEpochMS = 100_000_000_000
	maxEpochMS = 100_000_000_000_000
)

// v1HistoryTime is SvarUt v1's own time format, that of its historikk:
// dd.MM.yyyy HH:mm:ss, Oslo time.
const v1HistoryTime = "02.01.2006 15:04:05"

// parseTime reads sisteStatusEndring: an RFC 3339 date-time (v2) or any
// of the forms channel.ParseLocalTime reads (an offset without its colon,
// as Jackson wrote it, a region after it, no zone: Europe/Oslo), epoch
// milliseconds (v1), epoch seconds with a fraction (Jackson's default for
// java.time), or SvarUt v1's historikk form, as a JSON string or
// number. Absent, null or an empty string gives the zero time (unknown),
// and so does a placeholder of year 1 ("0001-01-01T00:00:00") or of
// epoch zero (0, 0.000000000, "1970-01-01T00:00:00Z").
// Anything else is an error wrapping channel.ErrBadTimestamp: a number
// that reads as epoch seconds rather than milliseconds, or garbage.
func parseTime(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if inner := s[1:max(len(s)-1, 1)]; strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) && len(s) > 1 &&
		!strings.ContainsAny(inner, `"\`) && utf8.ValidString(inner) && !hasControl(inner) {
		s = inner // a plain string, as SvarUt writes its times: nothing to unescape
	} else if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("%w: sisteStatusEndring is not a string: %v", channel.ErrBadTimestamp, err)
		}
	}
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil // an empty string: a serializer's "no value", as null
	}
	// A value that is none is quoted as given (a national id in it
	// masked: model.QuoteTime), not as the number read from it, which
	// drops a leading zero the masker would need.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch q := model.QuoteTime(s); {
		case n == 0:
			return time.Time{}, nil // epoch zero: a long left unset, no time (placeholder)
		case n < minEpochMS && n > 1_000_000_000:
			at := ""
			if q == strconv.Quote(s) {
				// The time it names gives every digit back: shown
				// only when they are.
				at = " (" + time.Unix(n, 0).UTC().Format(time.RFC3339) + ")"
			}
			return time.Time{}, fmt.Errorf("%w: sisteStatusEndring %s looks like epoch seconds%s, not milliseconds",
				channel.ErrBadTimestamp, q, at)
		case n < minEpochMS || n > maxEpochMS:
			return time.Time{}, fmt.Errorf("%w: sisteStatusEndring %s is no epoch-milliseconds time of this era", channel.ErrBadTimestamp, q)
		}
		return time.UnixMilli(n).UTC(), nil
	}
	if t, ok := channel.EpochSecondsFraction(s); ok && placeholder(t) {
		return time.Time{}, nil // Jackson's Instant.EPOCH, 0.000000000
	} else if ok && channel.InEra(t) {
		return t, nil
	}
	t, err := channel.ParseLocalTime(s, oslo)
	if err != nil {
		t, err = channel.ParseWallClock(v1HistoryTime, s, oslo)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: sisteStatusEndring %s is not a date-time", channel.ErrBadTimestamp, model.QuoteTime(s))
	}
	if placeholder(t) {
		return time.Time{}, nil
	}
	return t, nil
}

// placeholder says whether t is a default written for "no time": the
// first day of year 1 ("0001-01-01T00:00:00", .NET's DateTime.MinValue,
// Java's LocalDateTime of year 1), in any zone, or epoch zero
// ("1970-01-01T00:00:00Z", Instant.EPOCH; without a zone, read in Oslo).
// Taken as an instant it lies before any letter was sent, and the status
// it dates (a reading) would be refused.
func placeholder(t time.Time) bool {
	return t.UTC().Year() <= 1 || t.Equal(time.Unix(0, 0)) || t.Equal(time.Date(1970, 1, 1, 0, 0, 0, 0, oslo))
}

// hasControl says whether s holds a control character, which a JSON
// string may not hold unescaped.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}
