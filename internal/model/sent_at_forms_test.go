package model

import (
	"testing"
	"time"
)

// TestParseSentAtForms: a sent time in RFC 3339, or in another way of
// writing the same instant unambiguously (a sender system exporting its
// database writes PostgreSQL's 2026-11-20 10:00:00+01), is read as that
// instant; a local time without a zone is told so in either form;
// anything else is not a time. (Found by an independent review of the
// import.) So is a time of a whole minute written without its seconds,
// as Java's OffsetDateTime.toString() writes it.
func TestParseSentAtForms(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	checkSentAt(t, []sentAtCase{
		{"2026-11-20T10:00:00+01:00", at, ""},
		{"2026-11-20T09:00:00Z", at, ""},
		{"2026-11-20 10:00:00+01", at, ""},
		{"2026-11-20 10:00:00+01:00", at, ""},
		{"2026-11-20T10:00:00+0100", at, ""},
		{"2026-11-20t09:00:00z", at, ""},
		{"2026-11-20 09:00:00.250Z", at.Add(250 * time.Millisecond), ""},
		{"2026-11-20 03:30:00-05:30", at, ""},
		{"2026-11-21T05:00:00+20:00", at, ""}, // past PostgreSQL's ±15:59: read in UTC
		// Java's OffsetDateTime.toString() (and Instant-less ISO 8601
		// writers) leave out the seconds of a whole minute: a sender
		// system on it sends this form for one letter in sixty.
		{"2026-11-20T10:00+01:00", at, ""},
		{"2026-11-20T09:00Z", at, ""},
		{"2026-11-20 10:00+01", at, ""},
		{"2026-11-20T10:00", time.Time{}, "problem.sent_at_zone"},
		{"2026-11-20 10:00", time.Time{}, "problem.sent_at_zone"},
		{"2026-11-20T10:0+01:00", time.Time{}, "problem.sent_at_format"},
		{"2026-11-20T10:00.5Z", time.Time{}, "problem.sent_at_format"},
		{"2026-11-20 10:00:00", time.Time{}, "problem.sent_at_zone"},
		{"2026-11-20T10:00:00", time.Time{}, "problem.sent_at_zone"},
		{"2026-11-20 10:00:00+1", time.Time{}, "problem.sent_at_format"},
		{"2026-11-20 10:00:00+01:0", time.Time{}, "problem.sent_at_format"},
		{"20.11.2026 10:00", time.Time{}, "problem.sent_at_format"},
		{"2026-11-20", time.Time{}, "problem.sent_at_format"},
	})
}

// sentAtCase is a sent time as written, and how ParseSentAt must take it.
type sentAtCase struct {
	in      string
	want    time.Time // zero: refused
	problem string    // the refusal's key
}

// checkSentAt parses each case's sent time: read as the instant it wants,
// in UTC, or refused with its problem.
func checkSentAt(t *testing.T, cases []sentAtCase) {
	t.Helper()
	for _, tc := range cases {
		got, problem, ok := ParseSentAt(tc.in)
		switch {
		case tc.want.IsZero() && ok:
			t.Errorf("%q: read as %s, want refused (%s)", tc.in, got, tc.problem)
		case tc.want.IsZero() && problem.Reason.Key != tc.problem:
			t.Errorf("%q: refused with %s, want %s", tc.in, problem.Reason.Key, tc.problem)
		case !tc.want.IsZero() && (!ok || !got.Equal(tc.want) || got.Location() != time.UTC):
			t.Errorf("%q: %s %v (%s), want %s in UTC", tc.in, got, ok, problem.Reason.Key, tc.want)
		}
	}
}
