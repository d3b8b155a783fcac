package svarut

import (
	"testing"

	"postvakt/internal/model"
)

// TestEpochZeroIsNoTime: sisteStatusEndring of epoch zero (0 as epoch
// milliseconds, v1's form, where a Java long left unset is written as 0;
// Jackson's 0.000000000 for Instant.EPOCH; 1970-01-01T00:00:00 in UTC or,
// without a zone, Oslo) is a default
// written for "no time", as the year-1 placeholder is, not an instant: the
// LEST it came with is a reading, dated by its poll. Refused as garbage
// or as "before the letter was sent", the reading was never applied and
// the letter went on towards reminders and print. A time near it that is
// not it (epoch seconds read as milliseconds) is still refused.
func TestEpochZeroIsNoTime(t *testing.T) {
	raws := []string{`0`, `"0"`, `0.000000000`, `"1970-01-01T00:00:00Z"`, `"1970-01-01T01:00:00+01:00"`, `"1970-01-01T00:00:00.000+0000"`, `"1970-01-01T00:00:00"`}
	for i, o := range lestAt(t, raws) {
		if o.Err != nil || o.State != model.StateOpened || !o.ChangedAt.IsZero() {
			t.Errorf("%s: %s at %v, %v; want opened, no time", raws[i], o.State, o.ChangedAt, o.Err)
		}
	}
	for _, raw := range []string{`1`, `"1970-01-20T08:09:29Z"`} {
		o := lestAt(t, []string{raw})[0]
		if o.Err == nil && o.ChangedAt.IsZero() {
			t.Errorf("%s: read as no time; want it refused (adapter) or dated (the poller refuses it)", raw)
		}
	}
}
