package model

import (
	"strings"
	"testing"
	"time"
)

// TestParseSentAtZoned: Java's ZonedDateTime.toString() writes the zone's
// name after the offset (2026-03-02T09:15:00+01:00[Europe/Oslo]), and a
// sender system on Java sends exactly that. It is read as its instant when
// the offset is the zone's at that instant; an offset the zone does not
// have then (a summer offset in winter), or a zone postvakt does not know,
// is refused saying so, not as "not an RFC 3339 time".
func TestParseSentAtZoned(t *testing.T) {
	winter := time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 2, 7, 15, 0, 0, time.UTC)
	checkSentAt(t, []sentAtCase{
		{"2026-03-02T09:15:00+01:00[Europe/Oslo]", winter, ""},
		{"2026-03-02T09:15+01:00[Europe/Oslo]", winter, ""}, // a whole minute, as Java writes it
		{"2026-03-02T09:15:00.123+01:00[Europe/Copenhagen]", winter.Add(123 * time.Millisecond), ""},
		{"2026-07-02T09:15:00+02:00[Europe/Oslo]", summer, ""},
		{"2026-03-02T08:15Z[UTC]", winter, ""},
		{"2026-03-02T08:15:00Z[Etc/UTC]", winter, ""},
		{"2026-03-02T08:15:00Z[GMT]", winter, ""},
		{"2026-03-02T09:15+01:00[UTC+01:00]", winter, ""}, // ZoneId.of("UTC+01:00")
		{"2026-03-02T09:15:00+01:00[GMT+01:00]", winter, ""},
		{"2026-03-02T10:15:00+02:00[Europe/Oslo]", time.Time{}, "problem.sent_at_zone_disagrees"},
		{"2026-07-02T08:15:00+01:00[Europe/Oslo]", time.Time{}, "problem.sent_at_zone_disagrees"},
		{"2026-03-02T09:15:00+01:00[UTC]", time.Time{}, "problem.sent_at_zone_disagrees"},
		{"2026-03-02T09:15:00+01:00[Europe/Nowhere]", time.Time{}, "problem.sent_at_zone_unknown"},
		{"2026-03-02T09:15:00+01:00[]", time.Time{}, "problem.sent_at_format"},
		{"2026-03-02T09:15:00[Europe/Oslo]", time.Time{}, "problem.sent_at_format"},
		{"2026-03-02T09:15:00+01:00[Europe/Oslo", time.Time{}, "problem.sent_at_format"},
		{"2026-03-02T09:15:00+01:00[../../etc/passwd]", time.Time{}, "problem.sent_at_zone_unknown"},
	})
	// The refusal says what the zone's offset was then.
	_, problem, _ := ParseSentAt("2026-03-02T10:15:00+02:00[Europe/Oslo]")
	if msg := problem.Reason.English(); !strings.Contains(msg, "+01:00") || !strings.Contains(msg, "Europe/Oslo") {
		t.Errorf("disagreeing zone told as %q, want it to name Europe/Oslo's +01:00", msg)
	}
}
