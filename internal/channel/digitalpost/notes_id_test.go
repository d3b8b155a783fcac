package digitalpost

import (
	"net/url"
	"strings"
	"testing"
)

// TestNotesEntryWithoutID: the notes name both an entry's id (the
// de-duplication key) and its eventId. An entry whose id is null or left
// out but whose eventId is given is still one entry the log will give
// again the same way: it is kept, keyed by its eventId (marked as such),
// not refused with its letter's state lost. Without either it is refused.
func TestNotesEntryWithoutID(t *testing.T) {
	full := notesEvent(1, "MESSAGE_READ", `"2025-03-10T08:00:00.000Z"`, `"2025-03-10T08:00:01.000Z"`, "29189919", "COMPANY")
	const id, eventID = `"id" : "6d1c3b2a-0000-4000-8000-000000000001",`, `"eventId" : "7e2d4c3b-0000-4000-8000-000000000001",`
	for _, c := range []struct {
		name, raw, wantID string
	}{
		{"both", full, "6d1c3b2a-0000-4000-8000-000000000001"},
		{"id null", strings.Replace(full, id, `"id" : null,`, 1), "eventId:7e2d4c3b-0000-4000-8000-000000000001"},
		{"id left out", strings.Replace(full, id, ``, 1), "eventId:7e2d4c3b-0000-4000-8000-000000000001"},
		{"neither", strings.Replace(strings.Replace(full, id, ``, 1), eventID, ``, 1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{c.raw}, 0, 1, 1) }, nil)
			got, err := readAll(t, cl)
			if err != nil || len(got) != 1 {
				t.Fatalf("%v, %d events", err, len(got))
			}
			e := got[0]
			if c.wantID == "" {
				if e.Err == nil {
					t.Errorf("an entry with neither id nor eventId was kept as %q", e.ID)
				}
				return
			}
			if e.Err != nil || e.ID != c.wantID || e.ChannelID != notesLetter || e.State != "opened" {
				t.Errorf("%q %s %s (%v), want %q, the letter opened", e.ID, e.ChannelID, e.State, e.Err, c.wantID)
			}
		})
	}
}
