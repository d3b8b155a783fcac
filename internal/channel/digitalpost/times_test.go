package digitalpost

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestUnreadableTimeQuotedMasked: an entry whose created postvakt cannot
// read (and no eventTime to date it by) is refused with an error quoting
// it (the poll's log line, and the letter's poll error), and a national id
// in it (a mis-mapped field) masked there, as the house masks one: its
// date kept, the rest not; one the 40-byte cut would split is left out.
// Epoch seconds whose first six digits are no date (1700000000) cannot be
// a CPR number and stay readable; those that are one (1712345678:
// 17.12.34) are masked.
func TestUnreadableTimeQuotedMasked(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string // in the error
		leak string // not in it
	}{
		{raw: `"0101801234"`, want: "010180****", leak: "1801234"},
		{raw: `"010180-1234"`, want: "010180-****", leak: "-1234"},
		{raw: `"CPR 010180 1234"`, want: "010180 ****", leak: " 1234"},
		{raw: `-101801234`, want: "-10180****", leak: "1801234"},
		{raw: `"tidspunkt er ukjent, modtager: 0101801234"`, want: "modtager: ", leak: "18012"},
		{raw: `"01029400470"`, want: "010294*****", leak: "9400470"},
		{raw: `"1712345678"`, want: "171234****", leak: "45678"},
		{raw: `"1700000000"`, want: "1700000000"},
	} {
		t.Run(c.raw, func(t *testing.T) {
			ev := notesEvent(0, "MESSAGE_READ", `null`, c.raw, "12345674", "COMPANY")
			cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{ev}, 0, 1, 1) }, nil)
			got, err := readAll(t, cl)
			if err != nil || len(got) != 1 {
				t.Fatalf("%v, %d events", err, len(got))
			}
			if got[0].Err == nil {
				t.Fatalf("read at %v; want the entry refused", got[0].At)
			}
			msg := got[0].Err.Error()
			if !strings.Contains(msg, "created") || !strings.Contains(msg, c.want) || c.leak != "" && strings.Contains(msg, c.leak) {
				t.Errorf("%q: want created's %q in it, not %q", msg, c.want, c.leak)
			}
			if ev := string(got[0].Payload); !strings.Contains(ev, c.want) || c.leak != "" && strings.Contains(ev, c.leak) {
				t.Errorf("evidence %s: want created's %q in it, not %q", ev, c.want, c.leak)
			}
		})
		t.Run("eventTime "+c.raw, func(t *testing.T) {
			// Dated by its created, the entry is read; the eventTime it
			// could not read is kept in its evidence as the error quotes
			// it.
			ev := notesEvent(0, "MESSAGE_READ", c.raw, `"2025-02-03T10:00:00Z"`, "12345674", "COMPANY")
			cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{ev}, 0, 1, 1) }, nil)
			got, err := readAll(t, cl)
			if err != nil || len(got) != 1 || got[0].Err != nil {
				t.Fatalf("%v, %d events (%+v)", err, len(got), got)
			}
			if ev := string(got[0].Payload); !strings.Contains(ev, c.want) || c.leak != "" && strings.Contains(ev, c.leak) {
				t.Errorf("evidence %s: want eventTime's %q in it, not %q", ev, c.want, c.leak)
			}
		})
	}
}

// TestReadableTimeKeptInEvidence: a time postvakt reads stays in the
// evidence exactly as the log gave it, a number as a number.
func TestReadableTimeKeptInEvidence(t *testing.T) {
	for _, raw := range []string{`"2025-02-03T09:00:00.437Z"`, `"2025-02-03T10:00:00+0100"`, `1738573200437`} {
		ev := notesEvent(0, "MESSAGE_READ", raw, `"2025-02-03T10:00:00Z"`, "12345674", "COMPANY")
		cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{ev}, 0, 1, 1) }, nil)
		got, err := readAll(t, cl)
		if err != nil || len(got) != 1 || got[0].Err != nil {
			t.Fatalf("%s: %v, %d events (%+v)", raw, err, len(got), got)
		}
		if p := string(got[0].Payload); !strings.Contains(p, `"eventTime":`+raw) {
			t.Errorf("evidence %s: want eventTime %s as given", p, raw)
		}
	}
}

// TestNotesTimesOfAnEntry: an entry's two times as a real log or a fake
// written from the notes may give them, and the times postvakt takes.
// created (when the log stored the entry; the window reads by it) is later
// than eventTime (when it happened), the notes say, so: an eventTime after
// created is taken as created (it happened by then; taken as given it
// would lie "in the future" while the cursor moves past created); without
// a created the entry is placed at its eventTime (no later than it was
// stored, so a cursor moved there never passes it) instead of refused.
// A created that is no plausible time for it (0001-01-01, 1970, more than
// a day before the eventTime) leaves the eventTime as it is.
// The forms: a ZonedDateTime's region after its offset ("…Z[UTC]"), an
// offset of hours alone (ISO 8601's "+02"), and Jackson's default for a
// java.time instant, epoch seconds with nanoseconds after the point.
func TestNotesTimesOfAnEntry(t *testing.T) {
	at := time.Date(2023, 8, 25, 0, 49, 34, 437e6, time.UTC)
	for _, c := range []struct {
		name               string
		eventTime, created string
		wantAt, wantLogged time.Time
	}{
		{"the log's own form", `"2023-08-25T00:49:34.437Z"`, `"2023-08-25T00:49:35.000Z"`, at, at.Add(563 * time.Millisecond)},
		{"eventTime an hour after created (Copenhagen time with a Z)", `"2023-08-25T01:49:34.437Z"`, `"2023-08-25T00:49:34.437Z"`, at, at},
		{"eventTime two hours after created", `"2023-08-25T02:49:34.437Z"`, `"2023-08-25T00:49:34.437Z"`, at, at},
		{"eventTime a millisecond after created", `"2023-08-25T00:49:34.438Z"`, `"2023-08-25T00:49:34.437Z"`, at, at},
		{"created null", `"2023-08-25T00:49:34.437Z"`, `null`, at, at},
		{"created left out", `"2023-08-25T00:49:34.437Z"`, ``, at, at},
		{"created unreadable", `"2023-08-25T00:49:34.437Z"`, `"i går"`, at, at},
		{"a zone region after Z", `"2023-08-25T00:49:34.437Z[UTC]"`, `"2023-08-25T00:49:34.437Z[UTC]"`, at, at},
		{"a zone region after an offset", `"2023-08-25T02:49:34.437+02:00[Europe/Copenhagen]"`, `"2023-08-25T02:49:34.437+02:00[Europe/Copenhagen]"`, at, at},
		{"an offset of hours", `"2023-08-25T02:49:34.437+02"`, `"2023-08-25T02:49:34.437+02"`, at, at},
		{"epoch seconds with nanoseconds (Jackson's Instant)", `1692924574.437000000`, `1692924574.437000000`, at, at},
		{"epoch seconds with milliseconds", `1692924574.437`, `1692924574.437`, at, at},
		{"epoch milliseconds", `1692924574437`, `1692924574437`, at, at},
		// A serializer or a gateway writing numbers as text (as it may
		// the page's counts): the same milliseconds, not an entry without
		// a place in the log (its proof of delivery lost).
		{"epoch milliseconds as text", `"1692924574437"`, `"1692924574437"`, at, at},
		{"epoch seconds with milliseconds as text", `" 1692924574.437 "`, `"1692924574.437"`, at, at},
		// A created that cannot be when the entry was stored does not
		// replace a good eventTime (taken, it would date a MESSAGE_READ
		// before its letter was sent, and the entry be refused).
		{"created the zero time (no created)", `"2023-08-25T00:49:34.437Z"`, `"0001-01-01T00:00:00Z"`, at, at},
		{"created epoch seconds read as milliseconds (1970)", `"2023-08-25T00:49:34.437Z"`, `1692924574`, at, time.UnixMilli(1692924574).UTC()},
		{"created two days before eventTime", `"2023-08-25T00:49:34.437Z"`, `"2023-08-23T00:49:34.437Z"`, at, at.Add(-48 * time.Hour)},
		{"created a day before eventTime, taken", `"2023-08-26T00:49:34.437Z"`, `"2023-08-25T00:49:34.437Z"`, at, at},
	} {
		t.Run(c.name, func(t *testing.T) {
			created := ""
			if c.created != "" {
				created = `,"created":` + c.created
			}
			ev := `{"id":"6d1c3b2a-0000-4000-8000-000000000001","eventId":"7e2d4c3b-0000-4000-8000-000000000001",` +
				`"eventTag":"MESSAGE_READ","eventTime":` + c.eventTime + created +
				`,"metaProperties":{"messageUUID":"` + notesLetter + `","recipientID":"29189919","recipientType":"COMPANY"}}`
			got := readOneAccepted(t, ev)
			if !got.At.Equal(c.wantAt) || !got.Logged.Equal(c.wantLogged) {
				t.Errorf("at %s logged %s, want at %s logged %s", got.At, got.Logged, c.wantAt, c.wantLogged)
			}
		})
	}
	// Neither time readable: no place in the log, refused.
	// Nor is text of digits that is no time of this era (a national id
	// in a mis-mapped field).
	for _, raw := range []string{`null`, `"i går"`, `1692924574.4370000001`, `16929245744370.5`, `"0101701234"`, `"1692924574"`, `"-1692924574437"`} {
		if _, err := parseTime([]byte(raw)); err == nil {
			t.Errorf("parseTime(%s) read a time", raw)
		}
	}
}

// TestTinyNumberIsNoTime: timeEvidence drops 1e-20000 as it drops
// 1e1000000 (ParseFloat underflows it to 0 without an error), which
// PostgreSQL's jsonb refuses just the same ("value overflows numeric
// format").
func TestTinyNumberIsNoTime(t *testing.T) {
	raw := `{"id":"ev-1","eventId":"e-1","eventTag":"MEMO_AVAILABLE_TO_RECIPIENT","eventTime":1e-20000,"created":"2026-11-20T11:00:00.000Z","metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-00000000000a","senderID":"64942212","recipientID":"12345678","recipientType":"COMPANY"}}`
	fe := parseEvent([]byte(raw))
	t.Logf("err=%v state=%s payload=%s", fe.Err, fe.State, fe.Payload)
	if fe.Err == nil && strings.Contains(string(fe.Payload), "1e-20000") {
		t.Errorf("eventTime 1e-20000 is kept in the evidence; jsonb cannot hold it")
	}
}
