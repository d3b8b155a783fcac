package digitalpost

// The event log's metaProperties.messageType tells a Digital
// Post letter (DIGITALPOST) from a NemSMS (NEMSMS) and from a letter NgDP
// sent as a physical letter from the start (PHYSICAL_LETTER: a citizen
// exempt from Digital Post, or the sender asked for paper). The notes list
// the field. A NemSMS is never "read" in the log, and a PHYSICAL_LETTER is
// already on paper: `postvakt discover` must not register either as a
// Digital Post letter to watch, remind and send to manual handling "send
// it again as Digital Post's physical post" (a second paper letter).

import (
	"context"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/channel"
)

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
