package digitalpost

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
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

// FuzzEventsAnswer: whatever the event log answers every page request
// with, over HTTP, a read ends (within MaxPages, in time) with entries
// given or an error, never a panic; every entry given keeps JSON evidence
// without the recipient's CPR number unmasked.
func FuzzEventsAnswer(f *testing.F) {
	entry := `{"id":"e1","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:35.002Z","metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-000000000001","recipientID":"0101801234","recipientType":"CITIZEN"}}`
	for _, seed := range []string{
		`{"events":[` + entry + `],"currentPage":0,"totalPages":1,"totalElements":1}`,
		`{"events":[` + entry + `],"totalPages":1000000,"totalElements":5}`,
		`{"events":[],"totalPages":3,"totalElements":9}`, `{"events":[null,` + entry + `]}`, `{"content":[]}`, `<html>`,
	} {
		f.Add([]byte(seed))
	}
	srv := httpfake.New(f, nil)
	serve := srv.AnswerAll()
	c := newClient(f, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", MaxPages: 50, Logger: quiet},
		httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: -1, BreakerThreshold: -1})
	from := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, answer []byte) {
		serve(answer)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := c.Events(ctx, from, from.Add(24*time.Hour), func(evs []channel.FeedEvent) error {
			for _, ev := range evs {
				if ev.Payload != nil && !json.Valid(ev.Payload) {
					t.Fatalf("%q: evidence %q is no JSON", answer, ev.Payload)
				}
				if len(ev.PersonID) > 6 && strings.Contains(string(ev.Payload), `"`+ev.PersonID+`"`) {
					t.Fatalf("%q: evidence %s holds the CPR number %s", answer, ev.Payload, ev.PersonID)
				}
			}
			return nil
		})
		if ctx.Err() != nil {
			t.Fatalf("%q: the read did not end in time (%v)", answer, err)
		}
	})
}
