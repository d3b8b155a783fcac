package config

import (
	"strings"
	"testing"
	"time"
)

// TestBoundedValues: POSTVAKT_FOLLOWUP_UNREAD_DAYS and
// POSTVAKT_FOLLOWUP_DAYS had a lower bound only (review finding). A value
// past what a time.Duration of days holds (106,751 days) was taken, and
// store.MinAgeBound (now - days×24h) then wrapped round: 200000 "days
// unread" put the bound ~23 years in the future, so every unread
// confidential letter needed a follow-up at once. A huge
// POSTVAKT_FOLLOWUP_DAYS gave a deadline PostgreSQL cannot store at every
// notice run; a lease of a nanosecond let replicas take each other's
// claims at once. README: "a bad value stops the command with the
// variable's name, it never becomes a default".
func TestBoundedValues(t *testing.T) {
	days := 200000
	if d := time.Duration(days) * 24 * time.Hour; d > 0 {
		t.Fatalf("premise: %v does not wrap", d)
	}
	for _, tc := range []struct {
		name, v string
		ok      bool
	}{
		{"POSTVAKT_FOLLOWUP_UNREAD_DAYS", "200000", false},
		{"POSTVAKT_FOLLOWUP_UNREAD_DAYS", "36500", true},
		{"POSTVAKT_FOLLOWUP_DAYS", "99999999999", false},
		{"POSTVAKT_FOLLOWUP_DAYS", "365", true},
		// A lease of a nanosecond: replicas took each other's claims at once.
		{"POSTVAKT_POLL_LEASE", "1ns", false},
		{"POSTVAKT_POLL_LEASE", "10s", true},
		{"POSTVAKT_PRINT_LEASE", "9s", false},
		{"POSTVAKT_PRINT_LEASE", "10s", true},
	} {
		_, err := Load(lookup(map[string]string{tc.name: tc.v}))
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s=%s: Load error %v, want ok %v (else an error naming the variable)", tc.name, tc.v, err, tc.ok)
		}
	}
}
