package channel

import (
	"errors"
	"testing"
	"time"
)

// TestTimeForms: every form of one instant that channels and their fakes
// write reads as that instant: offsets without their colon or in whole
// hours (Jackson's StdDateFormat), a space for the "T", Java's region
// after the offset, no seconds, fractions of any length, blanks around.
// Without a zone ParseTime refuses it and ParseLocalTime reads it in the
// zone given; what is no date-time stays refused by both.
func TestTimeForms(t *testing.T) {
	at := time.Date(2023, 1, 1, 10, 33, 55, 8_000_000, time.UTC)
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Skip("no zone database")
	}
	zoned := []struct {
		in   string
		want time.Time
	}{
		{"2023-01-01T11:33:55.008+01:00", at},
		{"2023-01-01T10:33:55.008Z", at},
		{"2023-01-01T11:33:55.008+0100", at},
		{"2023-01-01T10:33:55.008+0000", at},
		{"2023-01-01T10:33:55.008-0000", at},
		{"2023-01-01T11:33:55.008+01", at},
		{"2023-01-01T05:03:55.008-0530", at},
		{"2023-01-01 11:33:55.008+01:00", at},
		{"2023-01-01 10:33:55.008Z", at},
		{"2023-01-01t10:33:55.008z", at},
		{"2023-01-01T11:33:55.008+01:00[Europe/Oslo]", at},
		{"2023-01-01T10:33:55.008Z[UTC]", at},
		{"2023-01-01T11:33:55,008+01:00", at},
		{"2023-01-01T11:33:55.0080000+01:00", at},
		{"2023-01-01T11:33:55.008000000000+01:00", at},
		{" 2023-01-01T11:33:55.008+01:00\n", at},
		{"2023-01-01T11:33+01:00", at.Truncate(time.Minute)},
		{"2023-01-01T10:33Z", at.Truncate(time.Minute)},
		// Past PostgreSQL's ±15:59 (Go reads up to ±23:59): in UTC, it
		// is written as any other.
		{"2023-01-02T06:33:55.008+20:00", at},
		{"2022-12-31T14:33:55.008-20:00", at},
	}
	for _, c := range zoned {
		if got, err := ParseTime(c.in); err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v in UTC", c.in, got, err, c.want)
		}
		if got, err := ParseLocalTime(c.in, time.UTC); err != nil || !got.Equal(c.want) {
			t.Errorf("ParseLocalTime(%q) = %v, %v; want %v (its own zone)", c.in, got, err, c.want)
		}
	}
	local := []struct {
		in   string
		want time.Time
	}{
		{"2023-01-01T11:33:55.008", at},
		{"2023-01-01 11:33:55.008", at},
		{"2023-01-01T11:33:55", at.Truncate(time.Second)},
		{"2023-01-01T11:33", at.Truncate(time.Minute)},
		{"2023-07-01T12:33:55.008", time.Date(2023, 7, 1, 10, 33, 55, 8_000_000, time.UTC)}, // summer: +02:00
		{"2026-10-25T02:30:00", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)},             // the hour twice: the earlier
		{"2026-10-25T03:30:00", time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC)},             // after it: winter, +01:00
	}
	for _, c := range local {
		if got, err := ParseTime(c.in); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error: no zone", c.in, got)
		}
		if got, err := ParseLocalTime(c.in, oslo); err != nil || !got.Equal(c.want) {
			t.Errorf("ParseLocalTime(%q, Oslo) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "2023-01-01", "01.01.2023 11:33:55", "2023-01-01T11:33:55.008+1", "2023-01-01T11:33:55.008+01:00:00",
		"2023-01-01T11:33:55[Europe/Oslo]", "2023-01-01T25:33:55Z", "2023-13-01T11:33:55Z", "2023-01-01T11:33:55.Z", "i går", "1672569235008"} {
		if got, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", in, got)
		}
		if got, err := ParseLocalTime(in, oslo); err == nil {
			t.Errorf("ParseLocalTime(%q) = %v, want an error", in, got)
		}
	}
	if _, err := ParseTime("2023-01-01T11:33:55"); !errors.Is(err, errNoZone) {
		t.Errorf("a time without a zone: %v, want errNoZone", err)
	}
}

// TestEpochSecondsFraction: Jackson's java.time timestamp form is read to
// the nanosecond; any other form is not, and the era is the caller's to
// judge (InEra), for SvarUt's and Digital Post's times alike.
func TestEpochSecondsFraction(t *testing.T) {
	for _, c := range []struct {
		in    string
		ok    bool
		want  time.Time
		inEra bool
	}{
		{"1672569235.008000000", true, time.Unix(1672569235, 8_000_000).UTC(), true},
		{"1672569235.5", true, time.Unix(1672569235, 500_000_000).UTC(), true},
		{"1672569235", false, time.Time{}, false},
		{"1672569235.", false, time.Time{}, false},
		{".5", false, time.Time{}, false},
		{"1672569235.0080000001", false, time.Time{}, false},
		{"-1672569235.5", false, time.Time{}, false},
		{"+1672569235.5", false, time.Time{}, false},
		{"1.6725692350e9", false, time.Time{}, false},
		{"1672569235008.5", true, time.Unix(1672569235008, 500_000_000).UTC(), false}, // milliseconds with a fraction
		{"12.5", true, time.Unix(12, 500_000_000).UTC(), false},
	} {
		got, ok := EpochSecondsFraction(c.in)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("EpochSecondsFraction(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
		if ok && InEra(got) != c.inEra {
			t.Errorf("InEra(%v) = %v, want %v", got, !c.inEra, c.inEra)
		}
	}
}
