package svarut

import (
	"encoding/json"
	"testing"
	"time"
)

// TestParseTimeAutumnHour: a time without a zone in the hour Norway's
// clocks go back over (02:00–03:00 on the last Sunday of October) names
// two instants. A status SvarUt changed at 02:30 summer time, polled five
// minutes later, must not read as an hour ahead (02:30 winter time): the
// poller refuses a status dated in the future as the letter's error. The
// earlier instant is the one read: a time SvarUt wrote is past.
func TestParseTimeAutumnHour(t *testing.T) {
	for in, want := range map[string]time.Time{
		`"2026-10-25T02:30:00"`:     time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC),
		`"2026-10-25T02:00:00.000"`: time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC),
		`"2026-10-25T02:59:59.999"`: time.Date(2026, 10, 25, 0, 59, 59, 999_000_000, time.UTC),
		`"25.10.2026 02:30:00"`:     time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // v1's historikk form
		// Either side of the hour, one instant only.
		`"2026-10-25T01:59:59"`: time.Date(2026, 10, 24, 23, 59, 59, 0, time.UTC),
		`"2026-10-25T03:00:00"`: time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC),
		`"2026-03-29T03:00:00"`: time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC),
	} {
		got, err := parseTime(json.RawMessage(in))
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%s) = %v, %v; want %v", in, got.UTC(), err, want)
		}
	}
}
