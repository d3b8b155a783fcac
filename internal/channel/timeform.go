package channel

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// dateTime is a date-time in the forms channels and their fakes write:
// date, "T", "t" or a space, hours and minutes, seconds (optional), a
// fraction of any length after "." or ",", and a zone (optional): "Z",
// "z", an offset with or without its colon or in whole hours, and after
// it a region in brackets.
var dateTime = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(:\d{2})?(?:[.,](\d+))?(?:(Z|z)|([+-]\d{2})(?::?(\d{2}))?)?(\[[A-Za-z0-9_/+-]+\])?$`)

// errNoZone is ParseTime's answer to a date-time without a zone.
var errNoZone = errors.New("no time zone")

// ParseTime reads a date-time with a zone: RFC 3339 as time.RFC3339Nano
// does, and the forms of it servers write that Go's parser refuses:
//
//   - a lower-case "t" or "z", or a space between date and time (RFC 3339
//     §5.6 and its note; PostgreSQL's and Python's text form);
//   - an offset without its colon, "+0100", or in whole hours, "+01"
//     (ISO 8601; Jackson's StdDateFormat wrote "+0000" before 2.11);
//   - a region after the offset, "+01:00[Europe/Oslo]" (Java's
//     ZonedDateTime), which the offset already places;
//   - no seconds, "10:33Z" (Java's toString when they are zero);
//   - blanks around it.
//
// A date-time without a zone is refused; ParseLocalTime reads it.
func ParseTime(s string) (time.Time, error) {
	return ParseLocalTime(s, nil)
}

// ParseLocalTime reads a date-time as ParseTime does and, when it has no
// zone (and no region), as a wall-clock time in loc: the zone its
// channel runs in.
//
// A wall-clock time that names two instants is the earlier
// (ParseWallClock). The time is in UTC: Go reads offsets up to ±23:59,
// PostgreSQL takes ±15:59, and one letter's odd offset must not fail its
// batch's write.
func ParseLocalTime(s string, loc *time.Location) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = parseForms(s, loc)
	}
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// parseForms reads s by dateTime; a time without a zone is read in loc,
// or refused when loc is nil.
func parseForms(s string, loc *time.Location) (time.Time, error) {
	m := dateTime.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, fmt.Errorf("%.40q is not a date-time", s)
	}
	date, hm, sec, frac, z, offH, offM, region := m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	if sec == "" {
		sec = ":00"
	}
	norm := date + "T" + hm + sec
	if frac != "" {
		norm += "." + frac
	}
	switch {
	case z != "":
		norm += "Z"
	case offH != "":
		if offM == "" {
			offM = "00"
		}
		norm += offH + ":" + offM
	case loc == nil || region != "":
		// A region alone would need its rules for the offset; none of
		// the channels writes one without the offset.
		return time.Time{}, fmt.Errorf("%.40q: %w", s, errNoZone)
	default:
		return ParseWallClock("2006-01-02T15:04:05.999999999", norm, loc)
	}
	return time.Parse(time.RFC3339Nano, norm)
}

// ParseWallClock reads s by layout as time.ParseInLocation does, a time
// without a zone read in loc, but of a wall-clock time that names two
// instants (the hour clocks go back over: 02:00–03:00 in Oslo on the last
// Sunday of October) it gives the earlier. A time the channel wrote is
// past: read as the later, a change made in the first of the two hours and
// asked about in it would be dated an hour ahead, refused as in the
// future. (Go's reading of the two is the later.)
func ParseWallClock(layout, s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return t, err
	}
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t, nil
	}
	_, off := t.Zone()
	_, before := start.Add(-time.Nanosecond).Zone()
	if back := time.Duration(before-off) * time.Second; back > 0 && t.Sub(start) < back {
		return t.Add(-back), nil // the same wall clock, before the clocks went back
	}
	return t, nil
}

// EraStart and EraEnd bound a channel's epoch time (1973 and the year 5138
// as epoch milliseconds): a number of epoch seconds read as milliseconds
// lands before the start, one of microseconds or nanoseconds after the end.
// Such a time is none of this era: the unit was not the one assumed.
var EraStart, EraEnd = time.UnixMilli(100_000_000_000), time.UnixMilli(100_000_000_000_000)

// InEra says whether t lies between EraStart and EraEnd.
func InEra(t time.Time) bool { return !t.Before(EraStart) && !t.After(EraEnd) }

// EpochSecondsFraction reads epoch seconds with a decimal fraction, the
// form Jackson writes a java.time value in as a timestamp
// (1672569235.008000000): whole seconds, a point and one to nine digits.
// ok is false for any other form (an integer, an exponent, a sign); the
// caller judges the era (InEra).
func EpochSecondsFraction(s string) (t time.Time, ok bool) {
	whole, frac, decimal := strings.Cut(s, ".")
	if !decimal || frac == "" || len(frac) > 9 || strings.Trim(frac, "0123456789") != "" ||
		whole == "" || strings.Trim(whole, "0123456789") != "" || len(whole) > 18 {
		return time.Time{}, false
	}
	var sec, ns int64
	for _, c := range whole {
		sec = sec*10 + int64(c-'0')
	}
	for _, c := range frac + strings.Repeat("0", 9-len(frac)) {
		ns = ns*10 + int64(c-'0')
	}
	return time.Unix(sec, ns).UTC(), true
}
