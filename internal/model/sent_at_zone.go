package model

import (
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // a sent_at's [Europe/Oslo] on hosts without a zone database

	"postvakt/internal/i18n"
)

// zoneSuffix splits a sent_at as Java's ZonedDateTime.toString() writes it,
// 2026-03-02T09:15:00+01:00[Europe/Oslo], into the time with its offset and
// the zone's name; ok is false when v has no zone in brackets at its end.
func zoneSuffix(v string) (at, zone string, ok bool) {
	i := strings.LastIndexByte(v, '[')
	if i < 0 || !strings.HasSuffix(v, "]") {
		return "", "", false
	}
	return v[:i], v[i+1 : len(v)-1], true
}

// parseZoned reads v, a sent_at written as at[zone]: its instant is the
// time with its offset, which must be the zone's offset at that instant (a
// time whose offset and zone disagree names two instants, and which was
// meant is a guess). A zone postvakt does not know, or a time without its
// offset, is refused.
func parseZoned(v, at, zone string) (time.Time, FieldError, bool) {
	t, err := time.Parse(time.RFC3339, rfc3339Form(at))
	if err != nil || zone == "" {
		return time.Time{}, NewFieldError("sent_at", i18n.P("problem.sent_at_format", "Value", Quote(v))), false
	}
	loc, ok := loadZone(zone)
	if !ok {
		return time.Time{}, NewFieldError("sent_at", i18n.P("problem.sent_at_zone_unknown", "Value", Quote(v))), false
	}
	_, given := t.Zone()
	if _, then := t.In(loc).Zone(); given != then {
		return time.Time{}, NewFieldError("sent_at", i18n.P("problem.sent_at_zone_disagrees", "Value", Quote(v),
			"Zone", loc.String(), "Offset", t.In(loc).Format("-07:00"))), false
	}
	if t.IsZero() {
		return t, NewFieldError("sent_at", i18n.P("problem.sent_at_early", "Year", EarliestSent.Year(), "At", v)), false
	}
	return t.UTC(), FieldError{}, true
}

// zones holds the zones loadZone found, by name: a file of thousands of
// letters names the same one or two.
var zones sync.Map

// loadZone is the time zone a ZonedDateTime names: a region of the zone
// database (Europe/Oslo, UTC, GMT), or a fixed offset after UTC, GMT or UT
// (ZoneId.of("UTC+01:00") writes [UTC+01:00]). Never the host's Local.
func loadZone(name string) (*time.Location, bool) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), true
	}
	var loc *time.Location
	for _, prefix := range []string{"UTC", "GMT", "UT"} {
		if off, ok := strings.CutPrefix(name, prefix); ok && off != "" && (off[0] == '+' || off[0] == '-') {
			t, err := time.Parse("-07:00", off)
			if err != nil {
				return nil, false
			}
			_, secs := t.Zone()
			loc = time.FixedZone(name, secs)
			break
		}
	}
	if loc == nil {
		if name == "Local" {
			return nil, false
		}
		l, err := time.LoadLocation(name)
		if err != nil {
			return nil, false
		}
		loc = l
	}
	zones.Store(name, loc)
	return loc, true
}
