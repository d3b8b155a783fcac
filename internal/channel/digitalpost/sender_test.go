package digitalpost

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestDiscoverSenderIDForms: the notes list metaProperties.senderID
// without its form. A CVR number, as MeMo's SenderID holds it, bare or
// prefixed ("CVR:…", "DK…"), is the sender; anything else (a sender
// system's uuid, whose digits made a number of twenty-odd digits) names no
// sender: taken as one, `postvakt discover --sender-org` left every letter
// alone as another sender's, and registered none.
func TestDiscoverSenderIDForms(t *testing.T) {
	for _, c := range []struct{ senderID, want string }{
		{"12345674", "12345674"},
		{"CVR:12345674", "12345674"},
		{"DK12345674", "12345674"},
		{"8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", ""},
		{"123456789", ""},
	} {
		l := newNFLog(t)
		letter := nfLetter(21)
		ev := dkRawEvent(1, "MEMO_SEND_RECEIVED", letter, "DIGITALPOST", nfT0)
		ev.raw = strings.Replace(ev.raw, `"senderID": "12345674"`, `"senderID": "`+c.senderID+`"`, 1)
		l.events = append(l.events, ev)
		found, err := nfAdapter(t, l).Discover(context.Background(), nfT0.Add(-time.Hour), nfT0.Add(time.Hour))
		if err != nil || len(found) != 1 {
			t.Fatalf("%s: %d found, %v", c.senderID, len(found), err)
		}
		if found[0].SenderOrg != c.want {
			t.Errorf("senderID %q: the sender is %q; want %q", c.senderID, found[0].SenderOrg, c.want)
		}
	}
}
