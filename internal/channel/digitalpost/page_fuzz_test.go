package digitalpost

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzReadPage: whatever a page holds, reading it never panics; every
// entry's evidence is JSON without the recipient's CPR number unmasked;
// and a page read in one pass gives what reading it entry by entry gives
// (readPage promises both read an entry the same way).
func FuzzReadPage(f *testing.F) {
	entry := `{"id":"e1","eventId":"ev1","eventTag":"MESSAGE_READ","eventTime":"2025-03-10T08:00:35.002Z","created":1741593635002,` +
		`"metaProperties":{"messageUUID":"0B6D3C5E-1F2A-4B3C-8D4E-000000000001","senderID":"DK64942212","recipientID":"0101801234","recipientType":"CITIZEN","label":"Afgørelse"}}`
	for _, seed := range []string{
		`{"events":[` + entry + `],"totalPages":1,"totalElements":1}`,
		`{"events":[` + entry + `,null,"x",{"id":"e2","eventTag":"MEMO_SEND_INVALID","created":"2025-03-10T08:00:35Z","metaProperties":{"receiptStatus":"INVALID","recipientID":101801234}}],"totalPages":"1"}`,
		`{"Events":[{"ID":"e3","EVENTTAG":"MESSAGE_READ","created":{"t":"0101801234"},"eventTime":[1]}],"events":[],"totalElements":0}`,
		`{"events":[{"id":"e4","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:35+0000[UTC]","metaProperties":"0101801234"}]}`,
		`{"events":null,"totalElements":0}`, `[]`, `{"events":[` + entry + `]}}`, "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, _, err := readPage(body)
		if err != nil {
			return
		}
		for _, ev := range evs {
			if ev.Payload != nil && !json.Valid(ev.Payload) {
				t.Fatalf("readPage(%q): evidence %q is no JSON", body, ev.Payload)
			}
			var kept struct {
				RecipientID string `json:"recipientID"`
			}
			if json.Unmarshal(ev.Payload, &kept) == nil && len(kept.RecipientID) > 6 && !strings.Contains(kept.RecipientID, "*") &&
				(ev.PersonID != "" || len(kept.RecipientID) != 8) {
				t.Fatalf("readPage(%q): evidence %s keeps a recipient that is no CVR number unmasked", body, ev.Payload)
			}
		}
		p, perr := decodePage(body)
		if perr != nil || p.Events == nil || slices.ContainsFunc(*p.Events, unread) { // read entry by entry anyway
			return
		}
		var env envelope
		if json.Unmarshal(body, &env) != nil || env.Events == nil || len(*env.Events) != len(*p.Events) {
			return
		}
		for i, raw := range *env.Events {
			one, fast := parseEvent(raw), (*p.Events)[i].event()
			if !reflect.DeepEqual(describe(one), describe(fast)) {
				t.Fatalf("readPage(%q): entry %d read in one pass\n%+v\nentry by entry\n%+v", body, i, describe(fast), describe(one))
			}
		}
	})
}
