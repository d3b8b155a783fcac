package digitalpost

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
)

// An independent fake of NgDP's event log, written from the channel notes
// only (testdata/specs/digitalpost/README.md), and the adapter run against
// it through Events, Status and Discover, as the poller calls them. The
// fake keeps a log like the service's: every events/ query is itself
// logged (EVENT_LOG_SEARCHES), pages are capped at 100 entries (the notes'
// real answer: elementsOnPage 100 of 250), answers are pretty-printed with
// an opaque next, and an entry may be stored late.

const (
	nfSystem = "6f1c2a10-7a2b-4c3d-8e4f-5a6b7c8d9e0f"
	nfToken  = "nf-api-token"
	nfCap    = 100
)

type nfEvent struct {
	id, tag, letter, recipient, rtype string
	at, created                       time.Time
	raw                               string // sent instead, when set
}

// nfLog serves GET …/events/ to systemId:apiToken (Basic) only.
type nfLog struct {
	t   *testing.T
	srv *httpfake.Server

	// dateLayout is how dateFrom/dateTo are parsed (Go layout); default
	// yyyy-MM-ddTHH:mm:ss.SSSZ with a literal Z, as the log writes times.
	dateLayout string
	// refuse, when set, says why the log answers a query 400 ("" takes
	// it); the answer's body is refusal's (pageshape_test.go).
	refuse  func(q url.Values) string
	refusal func(w http.ResponseWriter, why string)

	// searchNames: the log's record of a search names the messageUUID
	// searched for (metaProperties), as the notes leave open.
	searchNames bool

	mu      sync.Mutex
	events  []nfEvent
	queries int
}

func newNFLog(t *testing.T) *nfLog {
	t.Helper()
	l := &nfLog{t: t, dateLayout: "2006-01-02T15:04:05.000Z"}
	l.srv = httpfake.New(t, func(r *http.Request) string {
		if u, p, ok := r.BasicAuth(); !ok || u != nfSystem || p != nfToken {
			return "without Authorization: Basic systemId:apiToken"
		}
		return ""
	})
	l.srv.Handle("GET /apis/v1/events/", l.search)
	return l
}

// add logs an event of letter about tag, happened at and stored one
// second later.
func (l *nfLog) add(tag, letter string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, nfEvent{id: fmt.Sprintf("e0e0e0e0-0000-4000-8000-%012d", len(l.events)), tag: tag, letter: letter,
		recipient: "0101701234", rtype: "CITIZEN", at: at, created: at.Add(time.Second)})
}

// nfTime is the log's time form: 2023-08-25T00:49:34.437Z, always UTC.
func nfTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (e nfEvent) json() string {
	if e.raw != "" {
		return e.raw
	}
	meta := ""
	if e.letter != "" {
		meta = fmt.Sprintf(`"messageUUID": %q, "messageId": "sag-17", "transmissionId": "7b7b7b7b-0000-4000-8000-000000000001",
      "messageType": "DIGITALPOST", "senderID": "12345674", "recipientID": %q, "recipientType": %q,
      "senderSystem": %q, "label": "Afgørelse om boligstøtte"`, e.letter, e.recipient, e.rtype, nfSystem)
	}
	return fmt.Sprintf(`{
    "id": %q, "eventId": %q, "rootId": %q,
    "eventTime": %q, "created": %q,
    "owner": "12345674", "actor": "12345674",
    "system": {"id": %q, "name": "postvakt", "user": null},
    "message": %q, "eventTag": %q,
    "metaProperties": {%s}
  }`, e.id, e.id, e.id, nfTime(e.at), nfTime(e.created), nfSystem, e.letter, e.tag, meta)
}

func (l *nfLog) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if l.refuse != nil {
		if why := l.refuse(q); why != "" {
			l.refusal(w, why)
			return
		}
	}
	parse := func(k string) (time.Time, bool) {
		if !q.Has(k) {
			return time.Time{}, true
		}
		t, err := time.Parse(l.dateLayout, q.Get(k)) // yyyy-MM-ddTHH:mm:ss.SSSZ
		return t, err == nil
	}
	from, ok1 := parse("dateFrom")
	to, ok2 := parse("dateTo")
	page, err3 := strconv.Atoi(q.Get("page"))
	size, err4 := strconv.Atoi(q.Get("size"))
	if !ok1 || !ok2 || err3 != nil || err4 != nil || page < 0 || size < 1 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	size = min(size, nfCap)
	l.mu.Lock()
	var hits []nfEvent
	for _, e := range l.events {
		if (!from.IsZero() && e.created.Before(from)) || (!to.IsZero() && e.created.After(to)) ||
			(q.Has("metaProperties.messageUUID") && e.letter != q.Get("metaProperties.messageUUID")) ||
			(q.Has("eventTag") && e.tag != q.Get("eventTag")) {
			continue
		}
		hits = append(hits, e)
	}
	// The search itself is logged, after this answer.
	l.queries++
	search := nfEvent{id: fmt.Sprintf("5ea7c400-0000-4000-8000-%012d", l.queries), tag: "EVENT_LOG_SEARCHES",
		at: time.Now(), created: time.Now()}
	if l.searchNames {
		search.letter, search.recipient, search.rtype = q.Get("metaProperties.messageUUID"), "12345674", "AUTHORITY"
	}
	l.events = append(l.events, search)
	l.mu.Unlock()
	if q.Get("sortFields") == "created:asc" {
		slices.SortStableFunc(hits, func(a, b nfEvent) int { return a.created.Compare(b.created) })
	} else {
		slices.SortStableFunc(hits, func(a, b nfEvent) int { return b.created.Compare(a.created) })
	}
	start, end := min(page*size, len(hits)), min(page*size+size, len(hits))
	var parts []string
	for _, e := range hits[start:end] {
		parts = append(parts, e.json())
	}
	next := base64.StdEncoding.EncodeToString([]byte(`[1692924574437, "3c7c2b2e-5f7e-4f0e-9d1a-6a0b7c8d9e0f"]`))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\n  \"events\" : [ %s ],\n  \"currentPage\" : %d,\n  \"totalPages\" : %d,\n  \"elementsOnPage\" : %d,\n  \"totalElements\" : %d,\n  \"next\" : %q\n}",
		joinComma(parts), page, (len(hits)+size-1)/size, len(parts), len(hits), next)
}

func joinComma(p []string) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

func nfAdapter(t *testing.T, l *nfLog) *Client {
	t.Helper()
	return newClient(t, Config{BaseURL: l.srv.URL + "/apis/v1", SystemID: nfSystem, APIToken: nfToken, Logger: quiet},
		httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1, BreakerThreshold: -1})
}

func nfLetter(n int) string { return fmt.Sprintf("4e4e4e4e-0000-4000-8000-%012d", n) }

var nfT0 = time.Date(2023, 8, 25, 0, 49, 34, 437_000_000, time.UTC) // the notes' time, verbatim

// TestNotesFakeEveryTag: each tag of the notes' table means what its row
// says; an unknown tag is kept and moves nothing; the log's own
// EVENT_LOG_SEARCHES is about no letter.
func TestNotesFakeEveryTag(t *testing.T) {
	type want struct {
		state model.State
		disp  channel.Disposition
	}
	table := map[string]want{
		"MEMO_SEND_RECEIVED": {model.StateAccepted, ""}, "MEMO_SEND_VALIDATED": {model.StateAccepted, ""},
		"DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY": {model.StateAccepted, ""}, "DELAYED_MEMO_SEND_SENT": {model.StateAccepted, ""},
		"MEMO_SEND_VALIDATION_FAILED": {model.StateRejected, ""}, "MEMO_ARCHIVE_REJECTED": {model.StateRejected, ""},
		"MEMO_SEND_FAILED": {model.StateFailed, ""}, "MEMO_TRANSFORMATION_FAILED": {model.StateFailed, ""},
		"MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM_FAILED": {model.StateFailed, ""},
		"MEMO_AVAILABLE_TO_RECIPIENT":               {model.StateAvailable, ""}, "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM": {model.StateAvailable, channel.DispositionRecipientSystem},
		"MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM": {model.StateAvailable, channel.DispositionRecipientSystem},
		"MESSAGE_READ":                          {model.StateOpened, ""},
		"UNOPENED_MAIL_SENT_AS_PHYSICAL_POST":   {"", channel.DispositionChannelPrint}, "PHYSICAL_LETTER_SENT": {"", channel.DispositionChannelPrint},
		"UNOPENED_MAIL_AS_PHYSICAL_POST": {"", ""}, "UNOPENED_MAIL_NOT_AS_PHYSICAL_POST": {"", ""},
		"MEMO_SEND_RECALLED": {"", channel.DispositionClosed}, "MEMO_MESSAGE_RECALLED": {"", channel.DispositionClosed},
		"MESSAGE_RECALLED_BY_ADMINISTRATOR": {"", channel.DispositionClosed},
		"A_TAG_FROM_NGDP_1_99":              {"", ""},
	}
	l := newNFLog(t)
	i := 0
	for tag := range table {
		l.add(tag, nfLetter(i), nfT0.Add(time.Duration(i)*time.Minute))
		i++
	}
	seen := map[string]bool{}
	err := nfAdapter(t, l).Events(context.Background(), nfT0.Add(-time.Hour), time.Time{}, func(page []channel.FeedEvent) error {
		for _, e := range page {
			if e.Err != nil {
				t.Errorf("%s: %v", e.Tag, e.Err)
			}
			if e.Tag == tagSearches {
				if e.ChannelID != "" {
					t.Errorf("EVENT_LOG_SEARCHES about letter %q", e.ChannelID)
				}
				continue
			}
			seen[e.Tag] = true
			if w := table[e.Tag]; e.State != w.state || e.Disposition != w.disp {
				t.Errorf("%s: %q/%q, want %q/%q", e.Tag, e.State, e.Disposition, w.state, w.disp)
			}
			if e.PersonID != "0101701234" || e.Recipient != "" {
				t.Errorf("%s: a CITIZEN's CPR read as person %q / org %q", e.Tag, e.PersonID, e.Recipient)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(table) {
		t.Errorf("read %d of %d tags", len(seen), len(table))
	}
}

// TestNotesFakePaging: 250 entries of a window, pages capped at 100 by
// the log (the notes' own answer: elementsOnPage 100, totalPages 3), each
// query adding its EVENT_LOG_SEARCHES, one entry unreadable: every entry
// is read once, the bad one alone fails, no gap.
func TestNotesFakePaging(t *testing.T) {
	l := newNFLog(t)
	for i := range 249 {
		l.add("MEMO_AVAILABLE_TO_RECIPIENT", nfLetter(i), nfT0.Add(time.Duration(i)*time.Second))
	}
	l.events = append(l.events, nfEvent{created: nfT0.Add(time.Hour), raw: `"MESSAGE_READ for 0101701234"`})
	ids := map[string]int{}
	bad := 0
	err := nfAdapter(t, l).Events(context.Background(), nfT0, time.Time{}, func(page []channel.FeedEvent) error {
		for _, e := range page {
			if e.Err != nil {
				bad++
				continue
			}
			ids[e.ID]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	letters := 0
	for id, n := range ids {
		if n != 1 {
			t.Errorf("entry %s read %d times", id, n)
		}
		if id[:8] == "e0e0e0e0" {
			letters++
		}
	}
	if letters != 249 || bad != 1 {
		t.Errorf("read %d of 249 letters' entries and %d bad of 1", letters, bad)
	}
}

// TestNotesFakeStatusAndDiscover: a letter's state is the furthest its
// events reach, each event once (the log repeats itself), the channel's
// own print noted; a letter the log has nothing of is unknown; Discover
// dates a letter by MEMO_SEND_RECEIVED even when only its later entries
// fall in the window.
func TestNotesFakeStatusAndDiscover(t *testing.T) {
	l := newNFLog(t)
	a, b, c := nfLetter(1), nfLetter(2), nfLetter(3)
	l.add("MEMO_SEND_RECEIVED", a, nfT0)
	l.add("MEMO_SEND_VALIDATED", a, nfT0.Add(time.Minute))
	l.add("MEMO_AVAILABLE_TO_RECIPIENT", a, nfT0.Add(2*time.Minute))
	l.events = append(l.events, l.events[len(l.events)-1]) // a duplicate status message
	l.add("MESSAGE_READ", a, nfT0.Add(48*time.Hour))
	l.add("MEMO_SEND_RECEIVED", b, nfT0)
	l.add("MEMO_AVAILABLE_TO_RECIPIENT", b, nfT0.Add(time.Minute))
	l.add("UNOPENED_MAIL_AS_PHYSICAL_POST", b, nfT0.Add(72*time.Hour))
	l.add("UNOPENED_MAIL_SENT_AS_PHYSICAL_POST", b, nfT0.Add(73*time.Hour))
	cl := nfAdapter(t, l)
	obs, err := cl.Status(context.Background(), []string{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if obs[0].Err != nil || obs[0].State != model.StateOpened || len(obs[0].Events) != 4 || !obs[0].ChangedAt.Equal(nfT0.Add(48*time.Hour)) {
		t.Errorf("letter a: %s %v, %d events, changed %v", obs[0].State, obs[0].Err, len(obs[0].Events), obs[0].ChangedAt)
	}
	if obs[1].Err != nil || obs[1].State != model.StateAvailable || obs[1].Disposition != channel.DispositionChannelPrint {
		t.Errorf("letter b: %s/%q %v", obs[1].State, obs[1].Disposition, obs[1].Err)
	}
	if !errors.Is(obs[2].Err, channel.ErrNotKnown) {
		t.Errorf("letter c: %v, want ErrNotKnown", obs[2].Err)
	}
	found, err := cl.Discover(context.Background(), nfT0.Add(47*time.Hour), nfT0.Add(49*time.Hour))
	if err != nil || len(found) != 1 || found[0].ChannelID != a || !found[0].SentAt.Equal(nfT0) || found[0].PersonID != "0101701234" {
		t.Errorf("Discover: %+v, %v", found, err)
	}
}

// TestNotesFakeErrors: the event log's declared 401 and 403, a gateway's
// page and a 503 fail the read as a whole.
func TestNotesFakeErrors(t *testing.T) {
	for _, code := range []int{401, 403, 502, 503} {
		l := newNFLog(t)
		l.add("MEMO_SEND_RECEIVED", nfLetter(1), nfT0)
		l.srv.Script(func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			fmt.Fprint(w, "<html><body>nope</body></html>")
			return true
		})
		err := nfAdapter(t, l).Events(context.Background(), nfT0, time.Time{}, func([]channel.FeedEvent) error { return nil })
		var se *httpclient.StatusError
		if !errors.As(err, &se) || se.StatusCode != code {
			t.Errorf("HTTP %d: %v", code, err)
		}
	}
}

// TestNotesFakeDateForms: the notes give dateFrom/dateTo as
// yyyy-MM-ddTHH:mm:ss.SSSZ. A log that reads that pattern as Java does
// (Z a numeric offset, …437+0000) refuses the log's own form (…437Z) with
// a 400; one that reads Z as a letter refuses +0000. Either way the window
// is read, the first read asking three times (the form refused, once
// more without sortFields at 50 in case the 400 was about those,
// pageshape.go, and the other form), the next ones at once in the form
// taken. A log that refuses both forms fails the read with its 400, after
// four requests.
func TestNotesFakeDateForms(t *testing.T) {
	for _, c := range []struct {
		name, layout string
		wantRequests int64 // over two reads of one page each
		wantErr      int
	}{
		{"a literal Z", "2006-01-02T15:04:05.000Z", 2, 0},
		{"Java's numeric offset", "2006-01-02T15:04:05.000-0700", 4, 0},
		{"neither", "2006-01-02", 8, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newNFLog(t)
			l.dateLayout = c.layout
			l.add("MEMO_AVAILABLE_TO_RECIPIENT", nfLetter(1), nfT0)
			var requests atomic.Int64
			l.srv.Script(func(http.ResponseWriter, int) bool { requests.Add(1); return false })
			a := nfAdapter(t, l)
			for read := range 2 {
				var got []channel.FeedEvent
				err := a.Events(context.Background(), nfT0.Add(-time.Minute), nfT0.Add(time.Hour), func(p []channel.FeedEvent) error {
					got = append(got, p...)
					return nil
				})
				var se *httpclient.StatusError
				switch {
				case c.wantErr != 0 && (!errors.As(err, &se) || se.StatusCode != c.wantErr):
					t.Fatalf("read %d: %v, want HTTP %d", read, err, c.wantErr)
				case c.wantErr == 0 && (err != nil || len(got) != 1 || got[0].ChannelID != nfLetter(1)):
					t.Fatalf("read %d: %v, %+v; want the letter's entry", read, err, got)
				}
			}
			if n := requests.Load(); n != c.wantRequests {
				t.Errorf("%d requests over two reads, want %d", n, c.wantRequests)
			}
		})
	}
}

// TestNotesFakeTagCase: an eventTag in another casing, or with blanks
// around it, means what the table's tag means (as the receipt status and
// messageType are read regardless of case); the evidence keeps the tag as
// the log gave it (trimmed).
func TestNotesFakeTagCase(t *testing.T) {
	cases := []struct {
		name string
		tags []string
		want model.State
	}{
		{"lower-case proof of delivery", []string{"MEMO_SEND_RECEIVED", "memo_available_to_recipient"}, model.StateAvailable},
		{"mixed-case read", []string{"Memo_Send_Received", "MEMO_AVAILABLE_TO_RECIPIENT", "Message_Read"}, model.StateOpened},
		{"blank around a rejection", []string{"MEMO_SEND_RECEIVED", " MEMO_SEND_VALIDATION_FAILED "}, model.StateRejected},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newNFLog(t)
			letter := nfLetter(900 + i)
			for j, tag := range tc.tags {
				l.add(tag, letter, nfT0.Add(time.Duration(j)*time.Minute))
			}
			obs, err := nfAdapter(t, l).Status(context.Background(), []string{letter})
			if err != nil {
				t.Fatal(err)
			}
			if obs[0].Err != nil || obs[0].State != tc.want {
				t.Fatalf("state %q (err %v), want %q", obs[0].State, obs[0].Err, tc.want)
			}
			last := obs[0].Events[len(obs[0].Events)-1]
			if want := `"eventTag":"` + strings.TrimSpace(tc.tags[len(tc.tags)-1]) + `"`; !strings.Contains(string(last.Payload), want) {
				t.Errorf("evidence %s lacks %s", last.Payload, want)
			}
		})
	}
}
