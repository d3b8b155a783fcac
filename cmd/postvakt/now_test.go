package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestNowAhead: a run that acts refuses a --now more than 24 hours after
// the real clock (a usage error naming the flag); up to 24 hours, any time
// before, no --now, and a dry run at any time are accepted.
func TestNowAhead(t *testing.T) {
	real := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		at      time.Time
		dry     bool
		refused bool
	}{
		{"no --now", time.Time{}, false, false},
		{"years before", real.AddDate(-3, 0, 0), false, false},
		{"exactly 24 hours ahead", real.Add(24 * time.Hour), false, false},
		{"24 hours and a second ahead", real.Add(24*time.Hour + time.Second), false, true},
		{"a typo's year", real.AddDate(36, 0, 0), false, true},
		{"a typo's year, dry run", real.AddDate(36, 0, 0), true, false},
	} {
		c := &clockFlag{at: tc.at}
		err := c.check(real, tc.dry, true)
		var u usageError
		switch {
		case tc.refused && (!errors.As(err, &u) || !strings.Contains(err.Error(), "--now") || !strings.Contains(err.Error(), "--dry-run")):
			t.Errorf("%s: %v, want a usage error naming --now and --dry-run", tc.name, err)
		case !tc.refused && err != nil:
			t.Errorf("%s: %v, want it accepted", tc.name, err)
		}
	}
}
