package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestSvarUtReadingInTheAutumnHour: SvarUt dates a reading without a zone
// at 02:30 on the night Norway's clocks go back, and postvakt polls at
// 02:35 summer time (00:35 UTC). The reading is five minutes old; read as
// 02:30 winter time it was an hour ahead, refused as dated in the future:
// the letter's poll error, its reading not applied.
func TestSvarUtReadingInTheAutumnHour(t *testing.T) {
	now := time.Date(2026, 10, 25, 0, 35, 0, 0, time.UTC)
	st, ships, f, ch := revSetup(t, 1, now.Add(-3*time.Hour))
	f.records[revID(0)] = []string{fmt.Sprintf(`{"id":%q,"sisteStatusEndring":"2026-10-25T02:30:00","status":"LEST"}`, revID(0))}
	storetest.Set(t, st, []string{ships[0].ID}, storetest.NextPollAt(now.Add(-time.Second)))
	var buf bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch); err != nil {
		t.Fatalf("cycle: %v\n%s", err, buf.String())
	}
	if q := revRow(t, st, ships[0].ID); q.State != "opened" {
		t.Errorf("state %s after a reading five minutes old, want opened\n%s", q.State, buf.String())
	}
}

// TestSvarUtReadingDatedEpochZero: SvarUt dates a reading by epoch zero (0
// as v1's epoch milliseconds, 1970-01-01T00:00:00Z), a default written for
// "no time". The reading is applied, dated by its poll; refused as "before
// the letter was sent", it never was, and the letter went on towards
// reminders and print.
func TestSvarUtReadingDatedEpochZero(t *testing.T) {
	now := t0
	st, ships, f, ch := revSetup(t, 2, now.Add(-3*time.Hour))
	for i, at := range []string{`0`, `"1970-01-01T00:00:00Z"`} {
		f.records[revID(i)] = []string{fmt.Sprintf(`{"id":%q,"sisteStatusEndring":%s,"status":"LEST"}`, revID(i), at)}
	}
	storetest.Set(t, st, []string{ships[0].ID, ships[1].ID}, storetest.NextPollAt(now.Add(-time.Second)))
	var buf bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch); err != nil {
		t.Fatalf("cycle: %v\n%s", err, buf.String())
	}
	for i := range 2 {
		if q := revRow(t, st, ships[i].ID); q.State != "opened" {
			t.Errorf("letter %d: state %s after a reading dated epoch zero, want opened\n%s", i, q.State, buf.String())
		}
	}
}
