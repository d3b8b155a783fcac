package digitalpost

// Checks of the adapter against testdata/specs/digitalpost/README.md (the
// notes) and the EventLog / EventLogSearchResult / MetaData models of the
// NgDP 1.68 client the notes cite (sjkp/digitalpost nswag client, read, not
// copied). No real events/ answer of Digital Post was found in public
// sources, so the answers below are BUILT from the notes' field list, in
// the form the notes say real answers take (pretty-printed Jackson, times
// like 2023-08-25T00:49:34.437Z, "next" a base64 cursor). They are not
// payloads of the service.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// notesServer answers GET .../events/ with pages[page] (the page query
// parameter) and records the queries.
type notesServer struct {
	mu      sync.Mutex
	queries []url.Values
	paths   []string
}

func newNotesClient(t *testing.T, pages func(q url.Values) string, mod func(*Config)) (*Client, *notesServer) {
	t.Helper()
	ns := &notesServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ns.mu.Lock()
		ns.queries = append(ns.queries, r.URL.Query())
		ns.paths = append(ns.paths, r.URL.Path)
		ns.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pages(r.URL.Query())))
	}))
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", APIToken: "tok", Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	return newClient(t, cfg, httpclient.Options{MaxRetries: -1, BreakerThreshold: -1}), ns
}

const notesLetter = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

// notesEvent is one EventLog entry with every field the notes list and the
// other fields of the 1.68 model (version, transactionId, channel(s),
// subject, type, identity ids, eventProperties, searchEventProperties,
// metaProperties.id/statisticsMetadata and the deprecated title, sender and
// recipient), pretty-printed as Jackson does.
func notesEvent(n int, tag, eventTime, created, recipientID, recipientType string) string {
	return fmt.Sprintf(`{
    "id" : "6d1c3b2a-0000-4000-8000-%012d",
    "eventId" : "7e2d4c3b-0000-4000-8000-%012d",
    "version" : 0,
    "transactionId" : "FiNHXagLQQsZLyzcF4Ok3tydJHBoYkTw",
    "channel" : "memo",
    "channels" : [ "memo" ],
    "subject" : "MEMO",
    "type" : "%s",
    "organisationIdentityId" : "1ff804dc-1365-4fcd-92a6-beacd19a7f88",
    "rootId" : "7e2d4c3b-0000-4000-8000-000000000001",
    "eventTime" : %s,
    "created" : %s,
    "owner" : "%s",
    "ownerIdentityId" : "d1772f49-d624-480a-bd7e-7e5957397e99",
    "actor" : "34485771",
    "actorIdentityId" : "62e55094-66d3-4247-822b-ed57d416819b",
    "parentId" : "62e55094-66d3-4247-822b-ed57d416819b",
    "system" : {
      "id" : "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6",
      "name" : "Sagssystem",
      "user" : "robot"
    },
    "message" : "7e2d4c3b-0000-4000-8000-000000000001",
    "eventProperties" : {
      "label" : "Afgørelse om boligstøtte"
    },
    "metaProperties" : {
      "id" : "0a0a0a0a-0000-4000-8000-000000000001",
      "statisticsMetadata" : {
        "senderOrganisationName" : "Skanderborg Kommune",
        "hasActions" : false
      },
      "messageId" : "KK-2025-0042",
      "messageUUID" : "%s",
      "messageType" : "DIGITALPOST",
      "recipientContactPointId" : "",
      "recipientContactPointLabel" : "",
      "label" : "Afgørelse om boligstøtte",
      "title" : "Afgørelse om boligstøtte",
      "legalNotification" : "false",
      "mandatory" : "true",
      "senderSystem" : "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6",
      "senderID" : "29189919",
      "sender" : "29189919",
      "recipientID" : "%s",
      "recipient" : "%s",
      "transmissionId" : "5b4a3c2d-0000-4000-8000-000000000001",
      "senderType" : "CVR",
      "recipientType" : "%s",
      "receiptStatus" : "COMPLETED",
      "recalled" : "false"
    },
    "searchEventProperties" : {
      "metaProperties" : {
        "label" : "Afgørelse om boligstøtte"
      }
    },
    "eventTag" : "%s"
  }`, n, n, strings.ToLower(strings.ReplaceAll(tag, "_", ".")), eventTime, created, recipientID,
		notesLetter, recipientID, recipientID, recipientType, tag)
}

func notesPage(events []string, current, totalPages, totalElements int) string {
	return fmt.Sprintf(`{
  "currentPage" : %d,
  "next" : "WyAxNjkyOTI0NTc0NDM3LCAiRmlOSFhhZ0xRUXNaTHl6Y0Y0T2szdHlkSkhCb1lrVHciIF0=",
  "totalPages" : %d,
  "elementsOnPage" : %d,
  "totalElements" : %d,
  "events" : [ %s ]
}`, current, totalPages, len(events), totalElements, strings.Join(events, ", "))
}

func readAll(t *testing.T, c *Client) ([]channel.FeedEvent, error) {
	t.Helper()
	var got []channel.FeedEvent
	err := c.Events(context.Background(), time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC),
		func(p []channel.FeedEvent) error {
			got = append(got, p...)
			return nil
		})
	return got, err
}

// readOneAccepted reads a log of one page holding the entry ev alone and
// returns what the adapter made of it, failing the test unless the read
// gave exactly one event and did not refuse it.
func readOneAccepted(t *testing.T, ev string) channel.FeedEvent {
	t.Helper()
	cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{ev}, 0, 1, 1) }, nil)
	got, err := readAll(t, cl)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v, %d events", err, len(got))
	}
	if got[0].Err != nil {
		t.Fatalf("refused: %v", got[0].Err)
	}
	return got[0]
}

// TestNotesEveryTag: an answer with every field of the notes (and of the
// 1.68 model) and every tag of the notes' table reads without an error, each
// tag mapped as the table says, times parsed, the label, title, owner and the
// CPR number kept out of the evidence.
func TestNotesEveryTag(t *testing.T) {
	meaning := tagMeanings(t)
	var tags []string
	for tag := range meaning {
		tags = append(tags, tag)
	}
	// Tags of the API's enum not in the table: kept, moving nothing.
	tags = append(tags, "MESSAGE_LEGALLY_NOTIFIED", "MEMO_SEND_READY_FOR_FETCH", "MESSAGE_FORWARDED_TO_EMAIL", "BUSINESS_RECEIPT_CREATED")
	var evs []string
	for i, tag := range tags {
		at := fmt.Sprintf(`"2025-03-10T08:%02d:34.437Z"`, i)
		evs = append(evs, notesEvent(i+1, tag, at, fmt.Sprintf(`"2025-03-10T08:%02d:35.002Z"`, i), "0101801234", "CITIZEN"))
	}
	c, ns := newNotesClient(t, func(url.Values) string { return notesPage(evs, 0, 1, len(evs)) }, nil)
	got, err := readAll(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tags) {
		t.Fatalf("%d events, want %d", len(got), len(tags))
	}
	for i, e := range got {
		tag := tags[i]
		if e.Err != nil {
			t.Errorf("%s: refused: %v", tag, e.Err)
			continue
		}
		want := model.State("")
		disp := channel.DispositionNone
		switch m := meaning[tag]; m {
		case "accepted", "rejected", "failed", "available", "opened":
			want = model.State(m)
		case "channel_print":
			disp = channel.DispositionChannelPrint
		case "closed":
			disp = channel.DispositionClosed
		case "recipient_system":
			want, disp = model.StateAvailable, channel.DispositionRecipientSystem
		}
		if e.State != want || e.Disposition != disp {
			t.Errorf("%s: state %q disposition %q, want %q %q", tag, e.State, e.Disposition, want, disp)
		}
		letter := notesLetter
		if tag == "EVENT_LOG_SEARCHES" {
			letter = "" // the record of a search is about no letter ("ignore"), whatever it names
		}
		if e.ChannelID != letter || e.PersonID != "0101801234" || e.Recipient != "" || e.SenderOrg != "29189919" {
			t.Errorf("%s: letter %q person %q recipient %q sender %q", tag, e.ChannelID, e.PersonID, e.Recipient, e.SenderOrg)
		}
		if wantAt := time.Date(2025, 3, 10, 8, i, 34, 437e6, time.UTC); !e.At.Equal(wantAt) {
			t.Errorf("%s: at %s, want %s", tag, e.At, wantAt)
		}
		if wantLogged := time.Date(2025, 3, 10, 8, i, 35, 2e6, time.UTC); !e.Logged.Equal(wantLogged) {
			t.Errorf("%s: logged %s, want %s", tag, e.Logged, wantLogged)
		}
		p := string(e.Payload)
		for _, secret := range []string{"Afg", "0101801234", "Skanderborg"} {
			if strings.Contains(p, secret) {
				t.Errorf("%s: evidence keeps %q: %s", tag, secret, p)
			}
		}
		var ev Evidence
		if err := json.Unmarshal(e.Payload, &ev); err != nil || ev.ID == "" || ev.EventTag != tag || ev.MessageUUID != notesLetter ||
			ev.TransmissionID == "" || string(ev.EventTime) == "" || string(ev.Created) == "" || ev.RecipientID == "" {
			t.Errorf("%s: evidence %s (%v)", tag, p, err)
		}
	}
	// The request: GET /apis/v1/events/ with the notes' parameters.
	q := ns.queries[0]
	if ns.paths[0] != "/apis/v1/events/" || q.Get("dateFrom") != "2025-03-10T00:00:00.000Z" || q.Get("dateTo") != "2025-03-11T00:00:00.000Z" ||
		q.Get("sortFields") != "created:asc" || q.Get("page") != "0" || q.Get("size") == "" {
		t.Errorf("request %s ? %s", ns.paths[0], q.Encode())
	}
}

// TestNotesTimeForms: the times a Jackson answer may carry for eventTime
// and created. The notes show 2023-08-25T00:49:34.437Z; ISO_INSTANT drops
// a zero fraction; an OffsetDateTime may come with +00:00 (or +0000);
// an OffsetDateTime written by its toString() drops zero seconds
// ("2023-08-25T00:49Z"; ISO_INSTANT never does, so this one is a guess).
func TestNotesTimeForms(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want time.Time
	}{
		{`"2023-08-25T00:49:34.437Z"`, time.Date(2023, 8, 25, 0, 49, 34, 437e6, time.UTC)},
		{`"2023-08-25T00:49:34Z"`, time.Date(2023, 8, 25, 0, 49, 34, 0, time.UTC)},
		{`"2023-08-25T00:49:34.437123456Z"`, time.Date(2023, 8, 25, 0, 49, 34, 437123456, time.UTC)},
		{`"2023-08-25T00:49:34.437+00:00"`, time.Date(2023, 8, 25, 0, 49, 34, 437e6, time.UTC)},
		{`"2023-08-25T02:49:34.437+02:00"`, time.Date(2023, 8, 25, 0, 49, 34, 437e6, time.UTC)},
		{`"2023-08-25T00:49:34.437+0000"`, time.Date(2023, 8, 25, 0, 49, 34, 437e6, time.UTC)},
		{`1692924574437`, time.Date(2023, 8, 25, 0, 49, 34, 437e6, time.UTC)},
		{`"2023-08-25T00:49Z"`, time.Date(2023, 8, 25, 0, 49, 0, 0, time.UTC)},
	} {
		t.Run(c.raw, func(t *testing.T) {
			ev := notesEvent(1, "MEMO_AVAILABLE_TO_RECIPIENT", c.raw, c.raw, "0101801234", "CITIZEN")
			got := readOneAccepted(t, ev)
			if !got.At.Equal(c.want) || !got.Logged.Equal(c.want) {
				t.Errorf("at %s logged %s, want %s", got.At, got.Logged, c.want)
			}
		})
	}
}

// TestNotesRecipientType: who the recipient is, for the recipientType
// values the notes name (CITIZEN, COMPANY, AUTHORITY) and for those the
// notes do not rule out: the 1.68 model types recipientType as a free
// string next to senderType; the MeMo header the metaProperties come from
// names the recipient's id type CPR or CVR. A 10-digit recipientID is a
// CPR number (a P-number is never a recipient, the notes say); an 8-digit
// one a CVR number.
func TestNotesRecipientType(t *testing.T) {
	for _, c := range []struct {
		id, typ     string
		person, org string
	}{
		{"0101801234", "CITIZEN", "0101801234", ""},
		{"0101801234", "", "0101801234", ""},
		{"29189919", "COMPANY", "", "29189919"},
		{"29189919", "AUTHORITY", "", "29189919"},
		{"29189919", "", "", "29189919"},
		{"29189919", "CVR", "", "29189919"},
		{"0101801234", "CPR", "0101801234", ""},
		{"0101801234", "citizen", "0101801234", ""},
		{"0101801234", "PERSON", "0101801234", ""},
	} {
		t.Run(c.typ+"/"+c.id, func(t *testing.T) {
			ev := notesEvent(1, "MEMO_AVAILABLE_TO_RECIPIENT", `"2025-03-10T08:00:00.000Z"`, `"2025-03-10T08:00:01.000Z"`, c.id, c.typ)
			cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{ev}, 0, 1, 1) }, nil)
			found, err := cl.Discover(context.Background(), time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC))
			if err != nil || len(found) != 1 {
				t.Fatalf("%v, %d found", err, len(found))
			}
			f := found[0]
			if f.PersonID != c.person || f.Recipient != c.org {
				t.Errorf("recipientType %q, recipientID %s: Found.PersonID %q Found.Recipient %q, want person %q org %q",
					c.typ, c.id, f.PersonID, f.Recipient, c.person, c.org)
			}
			// What poll's discovery then registers (cmd/postvakt/poll.go).
			ns := model.NewShipment{Channel: model.ChannelDigitalPost, ChannelID: f.ChannelID, SenderOrg: "29189919", SenderUnit: "u",
				RecipientKind: model.RecipientOrg, RecipientID: f.Recipient, TitleWithheld: true, Class: "c", SentAt: f.SentAt}
			if f.Recipient == "" && f.PersonID != "" {
				ns.RecipientKind, ns.RecipientID = model.RecipientPerson, f.PersonID
			}
			if errs := ns.Validate(f.SentAt.Add(time.Hour), nil); len(errs) > 0 {
				t.Errorf("the discovered letter is not registered: %s: %s", errs[0].Field, errs[0].Message)
			}
		})
	}
}

// TestNotesPagingAndLookup: three pages of the notes' envelope (with
// "next", which is not followed), read to the last by page/size (and the
// page before one that repeats its entry once more); a letter's
// lookup folds its entries, out of order and repeated across pages, into
// opened at MESSAGE_READ's eventTime.
func TestNotesPagingAndLookup(t *testing.T) {
	ts := func(m int) string { return fmt.Sprintf(`"2025-03-10T08:%02d:00.000Z"`, m) }
	all := []string{
		notesEvent(1, "MEMO_SEND_RECEIVED", ts(1), ts(1), "0101801234", "CITIZEN"),
		notesEvent(2, "MEMO_SEND_VALIDATED", ts(2), ts(3), "0101801234", "CITIZEN"),
		notesEvent(4, "MESSAGE_READ", ts(9), ts(10), "0101801234", "CITIZEN"),
		notesEvent(3, "MEMO_AVAILABLE_TO_RECIPIENT", ts(4), ts(11), "0101801234", "CITIZEN"),
		notesEvent(3, "MEMO_AVAILABLE_TO_RECIPIENT", ts(4), ts(11), "0101801234", "CITIZEN"), // repeated (eventual consistency)
		notesEvent(5, "EVENT_LOG_SEARCHES", ts(12), ts(12), "0101801234", "CITIZEN"),
	}
	per := 2
	c, ns := newNotesClient(t, func(q url.Values) string {
		var p int
		fmt.Sscan(q.Get("page"), &p)
		end := min((p+1)*per, len(all))
		if p*per >= len(all) {
			return notesPage(nil, p, 3, len(all))
		}
		return notesPage(all[p*per:end], p, 3, len(all))
	}, func(cfg *Config) { cfg.PageSize = per })
	got, err := readAll(t, c)
	if err != nil {
		t.Fatal(err)
	}
	// Page 2 gives ev-3 of page 1 again: page 1 is asked for once more
	// (an order that moved between the requests may have left an entry
	// out; this one did not).
	if len(got) != len(all) || len(ns.queries) != 4 {
		t.Fatalf("%d events over %d requests, want %d over 4", len(got), len(ns.queries), len(all))
	}
	for i, q := range ns.queries {
		if q.Get("page") != fmt.Sprint([]int{0, 1, 2, 1}[i]) || q.Get("next") != "" {
			t.Errorf("request %d: %s", i, q.Encode())
		}
	}
	obs, err := c.Status(context.Background(), []string{strings.ToUpper(notesLetter)})
	if err != nil {
		t.Fatal(err)
	}
	o := obs[0]
	if o.Err != nil || o.State != model.StateOpened || o.Status != "MESSAGE_READ" ||
		!o.ChangedAt.Equal(time.Date(2025, 3, 10, 8, 9, 0, 0, time.UTC)) {
		t.Errorf("lookup: %s %s at %s (%v)", o.State, o.Status, o.ChangedAt, o.Err)
	}
	if n := len(o.Events); n != 4 { // four entries once; the log's search record is about no letter
		t.Errorf("%d events kept, want 4", n)
	}
	last := ns.queries[len(ns.queries)-1]
	if last.Get("metaProperties.messageUUID") == "" {
		t.Errorf("lookup without the messageUUID filter: %s", last.Encode())
	}
}

// TestNotesDiscoverSentAt: a letter sent (MEMO_SEND_RECEIVED,
// MEMO_AVAILABLE_TO_RECIPIENT) before the window and read inside it shows
// in the window only by its MESSAGE_READ. Discover's SentAt is "when first
// received" (its doc); the read time is not when it was sent, and poll's
// discovery marks a letter sent inside the run as needing no look-up, so
// its proof of delivery would never be fetched.
func TestNotesDiscoverSentAt(t *testing.T) {
	received := time.Date(2025, 3, 9, 7, 0, 0, 0, time.UTC)
	readEv := notesEvent(4, "MESSAGE_READ", `"2025-03-10T08:09:00.000Z"`, `"2025-03-10T08:09:01.000Z"`, "0101801234", "CITIZEN")
	whole := []string{
		notesEvent(1, "MEMO_SEND_RECEIVED", `"2025-03-09T07:00:00.000Z"`, `"2025-03-09T07:00:00.500Z"`, "0101801234", "CITIZEN"),
		notesEvent(3, "MEMO_AVAILABLE_TO_RECIPIENT", `"2025-03-09T07:01:00.000Z"`, `"2025-03-09T07:01:00.500Z"`, "0101801234", "CITIZEN"),
		readEv,
	}
	c, ns := newNotesClient(t, func(q url.Values) string {
		if q.Get("metaProperties.messageUUID") != "" { // the letter's whole log
			return notesPage(whole, 0, 1, len(whole))
		}
		return notesPage([]string{readEv}, 0, 1, 1) // the window: only the read
	}, nil)
	found, err := c.Discover(context.Background(), time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC))
	if err != nil || len(found) != 1 {
		t.Fatalf("%v, %d found", err, len(found))
	}
	if !found[0].SentAt.Equal(received) {
		t.Errorf("SentAt %s, want %s (MEMO_SEND_RECEIVED, before the window; the window held only MESSAGE_READ)", found[0].SentAt, received)
	}
	var proof bool
	for _, e := range found[0].Observation.Events {
		proof = proof || e.Tag == TagAvailable
	}
	if !proof {
		t.Errorf("the letter's proof of delivery (%s) is not among its entries", TagAvailable)
	}
	// A later window of the same back-fill with only the read: the sending
	// is remembered, no second lookup.
	lookups := func() (n int) {
		ns.mu.Lock()
		defer ns.mu.Unlock()
		for _, q := range ns.queries {
			if q.Get("metaProperties.messageUUID") != "" {
				n++
			}
		}
		return n
	}
	before := lookups()
	found, err = c.Discover(context.Background(), time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC))
	if err != nil || len(found) != 1 || !found[0].SentAt.Equal(received) || lookups() != before {
		t.Errorf("again: %v, %d found, sent %v, %d lookups more", err, len(found), found, lookups()-before)
	}
}

// TestNotesLookupFilterCase: the messageUUID filter goes out as the log
// writes the uuid (lower case, as Jackson writes a java.util.UUID), also
// for an id held in upper case; the log's generic field search is not said
// to ignore case.
func TestNotesLookupFilterCase(t *testing.T) {
	c, ns := newNotesClient(t, func(url.Values) string { return notesPage(nil, 0, 0, 0) }, nil)
	_, _ = c.Status(context.Background(), []string{strings.ToUpper(notesLetter)})
	if got := ns.queries[0].Get("metaProperties.messageUUID"); got != notesLetter {
		t.Errorf("filter value %q, want %q", got, notesLetter)
	}
}
