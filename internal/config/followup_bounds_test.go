package config

import (
	"strings"
	"testing"
	"time"
)

// TestFollowUpDaysBounded: POSTVAKT_FOLLOWUP_UNREAD_DAYS and
// POSTVAKT_FOLLOWUP_DAYS had a lower bound only (review finding). A value past what a
// time.Duration of days holds (106,751 days) is taken, and
// store.MinAgeBound (now - days×24h) then wraps round: 200000 "days unread"
// puts the bound ~23 years in the future, so every unread confidential
// letter needs a follow-up at once — the opposite of what the operator set.
// A huge POSTVAKT_FOLLOWUP_DAYS gives a deadline PostgreSQL cannot store
// (timestamp out of range) at every notice run. README: "a bad value stops
// the command with the variable's name, it never becomes a default".
func TestFollowUpDaysBounded(t *testing.T) {
	days := 200000
	if d := time.Duration(days) * 24 * time.Hour; d > 0 {
		t.Fatalf("premise: %v does not wrap", d)
	}
	for name, v := range map[string]string{
		"POSTVAKT_FOLLOWUP_UNREAD_DAYS": "200000",
		"POSTVAKT_FOLLOWUP_DAYS":        "99999999999",
	} {
		_, err := Load(lookup(map[string]string{name: v}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: Load error %v, want one naming %s (a bound such as POSTVAKT_RETENTION_YEARS has)", name, v, err, name)
		}
	}
}
