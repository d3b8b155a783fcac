package digitalpost

import (
	"net/url"
	"strings"
	"testing"
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
