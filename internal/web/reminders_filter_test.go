package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// The organisation field of /reminders takes the number as people write
// it, as the search form does: "910 859 897" (the letter's and the
// register's way), spaces around it, finds that organisation's reminder;
// the field shows it as stored. Before, only the bare digits found it, and
// the rest said "Nothing to settle." of an organisation that waited.
func TestRemindersOrgFilterAsWritten(t *testing.T) {
	_, off := waitingForAddress(t)
	for _, typed := range []string{"910859897", "910 859 897", " 910859897 ", "910\u00a0859\u00a0897"} {
		t.Run(typed, func(t *testing.T) {
			_, page := off.get("/reminders?" + url.Values{"org": {typed}}.Encode())
			if n := strings.Count(page, `<tr class="reminder no_address">`); n != 1 {
				t.Errorf("org=%q: %d rows, want 910859897's one", typed, n)
			}
			if !strings.Contains(page, `name="org" value="910859897"`) {
				t.Errorf("org=%q: the field does not show 910859897", typed)
			}
		})
	}
}
