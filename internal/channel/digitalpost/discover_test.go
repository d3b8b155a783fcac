package digitalpost

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
)

// The event log's metaProperties.messageType tells a Digital
// Post letter (DIGITALPOST) from a NemSMS (NEMSMS) and from a letter NgDP
// sent as a physical letter from the start (PHYSICAL_LETTER: a citizen
// exempt from Digital Post, or the sender asked for paper). The notes list
// the field. A NemSMS is never "read" in the log, and a PHYSICAL_LETTER is
// already on paper: `postvakt discover` must not register either as a
// Digital Post letter to watch, remind and send to manual handling "send
// it again as Digital Post's physical post" (a second paper letter).

func dkRawEvent(n int, tag, letter, messageType string, at time.Time) nfEvent {
	id := fmt.Sprintf("d0d0d0d0-0000-4000-8000-%012d", n)
	raw := fmt.Sprintf(`{
    "id": %q, "eventId": %q, "rootId": %q,
    "eventTime": %q, "created": %q,
    "owner": "12345674", "actor": "12345674",
    "system": {"id": %q, "name": "postvakt", "user": null},
    "message": %q, "eventTag": %q,
    "metaProperties": {"messageUUID": %q, "messageId": "sag-17", "transmissionId": "7b7b7b7b-0000-4000-8000-000000000001",
      "messageType": %q, "senderID": "12345674", "recipientID": "0101701234", "recipientType": "CITIZEN",
      "senderSystem": %q}
  }`, id, id, id, nfTime(at), nfTime(at.Add(time.Second)), nfSystem, letter, tag, letter, messageType, nfSystem)
	return nfEvent{id: id, tag: tag, letter: letter, at: at, created: at.Add(time.Second), raw: raw}
}

func TestDiscoverSkipsNemSMSAndPhysicalLetters(t *testing.T) {
	l := newNFLog(t)
	letter, sms, paper := nfLetter(11), nfLetter(12), nfLetter(13)
	n := 0
	add := func(tag, id, mt string, at time.Time) {
		n++
		l.events = append(l.events, dkRawEvent(n, tag, id, mt, at))
	}
	add("MEMO_SEND_RECEIVED", letter, "DIGITALPOST", nfT0)
	add("MEMO_AVAILABLE_TO_RECIPIENT", letter, "DIGITALPOST", nfT0.Add(time.Minute))
	add("MEMO_SEND_RECEIVED", sms, "NEMSMS", nfT0)
	add("MEMO_SEND_VALIDATED", sms, "NEMSMS", nfT0.Add(time.Minute))
	add("MEMO_SEND_RECEIVED", paper, "PHYSICAL_LETTER", nfT0)
	add("MEMO_SEND_VALIDATED", paper, "PHYSICAL_LETTER", nfT0.Add(time.Minute))
	cl := nfAdapter(t, l)
	found, err := cl.Discover(context.Background(), nfT0.Add(-time.Hour), nfT0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		switch f.ChannelID {
		case sms:
			t.Errorf("discover registered a NemSMS (messageType NEMSMS) as a Digital Post letter to watch: state %s", f.Observation.State)
		case paper:
			if f.Observation.Disposition != channel.DispositionChannelPrint {
				t.Errorf("discover registered a PHYSICAL_LETTER memo as an unread Digital Post letter (state %s, disposition %q): "+
					"its escalation ends in manual handling asking the unit to send it again on paper", f.Observation.State, f.Observation.Disposition)
			}
		}
	}
}

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
