package altinn

// An independent fake of Altinn 3 Correspondence, written from the channel
// notes only (testdata/specs/README.md "Altinn 3 Correspondence" and "How
// the real services behave where the specs are silent", and the OpenAPI
// file's CorrespondenceDetailsExt), and the adapter run against it through
// Status and Discover, as the poller calls them.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
)

const (
	nfResource = "urn:altinn:resource:nf-taushetsbelagt"
	nfBearer   = "nf-altinn-token"
	nfSender   = "urn:altinn:organization:identifier-no:991825827"
)

// nfEnum is the notes' status enum in its order: the rank the top-level
// status is picked by ("the highest-ranked status the correspondence
// reached (Fetched does not count)").
var nfEnum = []string{"Initialized", "ReadyForPublish", "Published", "Fetched", "Read", "Replied", "Confirmed",
	"PurgedByRecipient", "PurgedByAltinn", "Archived", "Reserved", "Failed", "AttachmentsDownloaded", "Forwarded"}

type nfEntry struct {
	status string
	at     string // statusChanged as sent
}

type nfCorr struct {
	id        string
	published time.Time // requestedPublishTime: what the search filters on
	history   []nfEntry
	forbidden bool // 401 code 4001: the caller may not read it
	gateway   bool // a gateway's HTML 502 instead of an answer
	empty     bool // an empty 200 instead of the details
	plain     bool // a gateway's plain-text 200 instead of the details
}

// nfAltinn serves GET …/correspondence (search) and GET …/{id}/details to
// the bearer token only.
type nfAltinn struct {
	t   *testing.T
	srv *httpfake.Server

	mu       sync.Mutex
	corr     map[string]*nfCorr
	notFound func(w http.ResponseWriter) // how an unknown id is answered; default 404, no body
}

func newNFAltinn(t *testing.T) *nfAltinn {
	t.Helper()
	f := &nfAltinn{t: t, srv: httpfake.New(t, httpfake.Bearer(nfBearer)), corr: map[string]*nfCorr{},
		notFound: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }}
	f.srv.Handle("GET "+basePath, f.search)
	f.srv.Handle("GET "+basePath+"/{id}/details", f.details)
	return f
}

func (f *nfAltinn) add(c *nfCorr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.corr[c.id] = c
}

// top is the highest-ranked status reached, Fetched not counting (unless
// it is all there is), with its time.
func top(h []nfEntry) nfEntry {
	best, bestRank := 0, -2
	for i, e := range h {
		r := slices.Index(nfEnum, e.status)
		if e.status == "Fetched" {
			r = -1 // counts only when nothing else is there
		}
		if r >= bestRank {
			best, bestRank = i, r
		}
	}
	return h[best]
}

func (f *nfAltinn) details(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	c, ok := f.corr[r.PathValue("id")]
	f.mu.Unlock()
	switch {
	case !ok:
		f.notFound(w)
		return
	case c.forbidden:
		// Notes: 401 with a problem body code 4001, for that one letter.
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"detail":"You must use a bearer token that belongs to the sender or recipient","code":4001}`)
		return
	case c.empty:
		w.Header().Set("Content-Type", "application/json")
		return
	case c.plain:
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "The service is unavailable.")
		return
	case c.gateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
		return
	}
	var hist []map[string]string
	for _, e := range c.history {
		hist = append(hist, map[string]string{"status": e.status, "statusText": e.status, "statusChanged": e.at})
	}
	t := top(c.history)
	doc := map[string]any{
		"correspondenceId": c.id, "resourceId": nfResource, "sender": nfSender, "sendersReference": "nf-ref",
		"recipient": "urn:altinn:organization:identifier-no:910753614", "created": c.history[0].at,
		"requestedPublishTime": c.published.Format(time.RFC3339Nano), "isConfidential": true,
		"content": map[string]any{"language": "nb", "messageTitle": ""}, // empty since June 2025 (notes)
		"status":  t.status, "statusText": t.status, "statusChanged": t.at, "statusHistory": hist,
		"notifications": []any{},
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(doc)
}

// search: ?resourceId&role&from&to&status → {"ids":[…]}, at most 1000,
// newest first, no paging, from and to exclusive on requestedPublishTime.
func (f *nfAltinn) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// Altinn keeps a correspondence's resource without its URN prefix and
	// compares the resourceId asked for as given.
	if q.Get("resourceId") != strings.TrimPrefix(nfResource, "urn:altinn:resource:") || q.Get("role") != "Sender" || q.Has("offset") || q.Has("limit") {
		f.t.Errorf("search query %v: want the bare resourceId, role=Sender, no offset/limit", q)
	}
	from, err1 := time.Parse(time.RFC3339Nano, q.Get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, q.Get("to"))
	if err1 != nil || err2 != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	var hits []*nfCorr
	for _, c := range f.corr {
		if c.published.After(from) && c.published.Before(to) && (q.Get("status") == "" || top(c.history).status == q.Get("status")) {
			hits = append(hits, c)
		}
	}
	f.mu.Unlock()
	slices.SortFunc(hits, func(a, b *nfCorr) int { return b.published.Compare(a.published) })
	ids := []string{}
	for _, c := range hits[:min(len(hits), 1000)] {
		ids = append(ids, c.id)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids})
}

type nfTok struct{}

func (nfTok) Token(context.Context) (string, error) { return nfBearer, nil }

func nfAdapter(t testing.TB, f *nfAltinn) *Client {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: f.srv.URL, Logger: log, BackoffBase: time.Millisecond,
		BreakerThreshold: -1, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: f.srv.URL, ResourceID: nfResource, Logger: log}, hc, nfTok{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func nfID(n int) string { return fmt.Sprintf("a1a1a1a1-0000-4000-8000-%012d", n) }

// nfHist is a history of statuses one minute apart from 2025-03-01 10:00
// UTC, its times written as .NET writes a DateTimeOffset (seven fraction
// digits, +00:00).
func nfHist(statuses ...string) []nfEntry {
	var h []nfEntry
	for i, s := range statuses {
		at := time.Date(2025, 3, 1, 10, i, 0, 123456700, time.UTC)
		h = append(h, nfEntry{s, at.Format("2006-01-02T15:04:05.0000000+00:00")})
	}
	return h
}

// TestNotesFakeAltinnStatus: the status enum read as the notes' table of
// normalised states says, the top-level status being the highest reached
// (Fetched not counting); times with a seven-digit fraction and +00:00, Z
// or another offset.
func TestNotesFakeAltinnStatus(t *testing.T) {
	cases := []struct {
		hist  []nfEntry
		state model.State
		disp  channel.Disposition
	}{
		{nfHist("Initialized"), model.StateAccepted, ""},
		{nfHist("Initialized", "ReadyForPublish"), model.StateAccepted, ""},
		{nfHist("Initialized", "ReadyForPublish", "Published"), model.StateAvailable, ""},
		{nfHist("Initialized", "ReadyForPublish", "Published", "Fetched"), model.StateAvailable, ""},
		{nfHist("Initialized", "Published", "Fetched", "Read", "Fetched"), model.StateOpened, ""},
		{nfHist("Initialized", "Published", "Read", "Confirmed"), model.StateOpened, ""},
		{nfHist("Initialized", "Published", "Read", "Replied"), model.StateOpened, ""},
		{nfHist("Initialized", "Published", "AttachmentsDownloaded"), model.StateOpened, ""},
		{nfHist("Initialized", "Published", "Forwarded"), model.StateOpened, ""},
		{nfHist("Initialized", "Published", "Read", "Archived"), model.StateOpened, ""},
		{nfHist("Initialized", "Failed"), model.StateFailed, ""},
		{nfHist("Initialized", "ReadyForPublish", "Reserved"), model.StateFailed, ""},
		{nfHist("Initialized", "Published", "PurgedByAltinn"), "", channel.DispositionClosed},
		{nfHist("Initialized", "Published", "PurgedByRecipient"), "", channel.DispositionClosed},
		{[]nfEntry{{"Initialized", "2025-03-01T10:00:00Z"}, {"Published", "2025-03-01T11:00:00.5+01:00"}}, model.StateAvailable, ""},
	}
	f := newNFAltinn(t)
	var ids []string
	for i, c := range cases {
		f.add(&nfCorr{id: nfID(i), history: c.hist})
		ids = append(ids, nfID(i))
	}
	obs, err := nfAdapter(t, f).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range obs {
		c := cases[i]
		want, _ := time.Parse(time.RFC3339Nano, top(c.hist).at)
		switch {
		case o.Err != nil:
			t.Errorf("%v: %v", c.hist, o.Err)
		case c.state != "" && o.State != c.state, o.Disposition != c.disp:
			t.Errorf("%v: %s/%q, want %s/%q", c.hist, o.State, o.Disposition, c.state, c.disp)
		case !o.ChangedAt.Equal(want):
			t.Errorf("%v: changed %v, want %v", c.hist, o.ChangedAt, want)
		}
	}
}

// TestNotesFakeAltinnPerLetter: what Altinn answers about one letter (401
// code 4001, a gateway page after retries, unknown) is that letter's; the
// batch's other letters are read; a 429 with Retry-After is waited for.
func TestNotesFakeAltinnPerLetter(t *testing.T) {
	f := newNFAltinn(t)
	f.add(&nfCorr{id: nfID(1), history: nfHist("Initialized", "Published", "Read")})
	f.add(&nfCorr{id: nfID(2), history: nfHist("Initialized", "Published"), forbidden: true})
	f.add(&nfCorr{id: nfID(3), history: nfHist("Initialized", "Published"), gateway: true})
	f.srv.Script(func(w http.ResponseWriter, n int) bool {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	})
	obs, err := nfAdapter(t, f).Status(context.Background(), []string{nfID(1), nfID(2), nfID(3), nfID(4)})
	if err != nil {
		t.Fatal(err)
	}
	if obs[0].Err != nil || obs[0].State != model.StateOpened {
		t.Errorf("readable letter: %+v", obs[0])
	}
	if !errors.Is(obs[1].Err, channel.ErrRefused) {
		t.Errorf("401 code 4001: %v, want ErrRefused", obs[1].Err)
	}
	if !errors.Is(obs[2].Err, channel.ErrFailing) {
		t.Errorf("a gateway's page: %v, want ErrFailing", obs[2].Err)
	}
	if !errors.Is(obs[3].Err, channel.ErrNotKnown) {
		t.Errorf("404: %v, want ErrNotKnown", obs[3].Err)
	}
}

// TestNotesFakeAltinnDiscover: the search gives at most 1000 ids, newest
// first, with no paging and exclusive bounds; Discover must still find
// every letter of the window: 1200 over a day, one on each edge, and a bulk
// send of 1100 with one publish time in two statuses.
func TestNotesFakeAltinnDiscover(t *testing.T) {
	f := newNFAltinn(t)
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	n := 0
	add := func(at time.Time, statuses ...string) {
		f.add(&nfCorr{id: nfID(n), published: at, history: nfHist(statuses...)})
		n++
	}
	for i := range 1200 {
		add(from.Add(time.Duration(i+1)*time.Minute), "Initialized", "Published")
	}
	add(from, "Initialized", "Published")
	add(to, "Initialized", "Published", "Read")
	bulk := from.Add(13 * time.Hour)
	for i := range 1100 {
		if i%2 == 0 {
			add(bulk, "Initialized", "Published")
		} else {
			add(bulk, "Initialized", "Published", "Read")
		}
	}
	found, err := nfAdapter(t, f).Discover(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, fd := range found {
		got[fd.ChannelID] = true
		if fd.Observation.Err != nil || !fd.Confidential || fd.Recipient != "910753614" {
			t.Fatalf("found %+v", fd)
		}
	}
	if len(got) != n {
		t.Errorf("Discover found %d of %d letters", len(got), n)
	}
}

// nfStatus is one status call on a fake whose unknown ids are answered by
// notFound.
func nfStatus(t *testing.T, notFound func(w http.ResponseWriter), ids ...string) ([]channel.Observation, error) {
	f := newNFAltinn(t)
	f.notFound = notFound
	f.add(&nfCorr{id: nfID(1), history: nfHist("Initialized", "Published")})
	return nfAdapter(t, f).Status(context.Background(), ids)
}

// TestNotesFakeAltinn404Codes: a 404 with Altinn's own CorrespondenceNotFound
// problem (code 1001 in today's numbering) is the letter unknown.
func TestNotesFakeAltinn404Codes(t *testing.T) {
	for _, body := range []string{
		`{"title":"The requested correspondence was not found","status":404,"errorCode":1001}`,
		`{"title":"Not Found","status":404,"code":"CORR-01001"}`,
		// ASP.NET's NotFound() ProblemDetails, no code: the notes give
		// none for a correspondence Altinn does not have.
		`{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}`,
		`{"title":"Not Found","status":404}`,
		// An older Altinn's numbering of the same error.
		`{"title":"Not Found","status":404,"detail":"The requested correspondence was not found","errorCode":1}`,
	} {
		obs, err := nfStatus(t, func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, body)
		}, nfID(1), nfID(2))
		if err != nil || !errors.Is(obs[1].Err, channel.ErrNotKnown) {
			t.Errorf("404 %s: %v, %v; want ErrNotKnown", body, err, obs)
		}
	}
}

// TestNotesFakeAltinnBare404OnEveryLetter: a ProblemDetails 404 without a
// code is what ASP.NET answers for any path it has no route for, so when
// every letter of a batch of three or more gets one and none is read, the
// call fails (a wrong POSTVAKT_ALTINN_URL, a retired API version) instead
// of marking every letter unknown to the channel. With Altinn's code 1001,
// with fewer letters, or with a letter of the batch read, each such letter
// is unknown.
func TestNotesFakeAltinnBare404OnEveryLetter(t *testing.T) {
	bare := `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}`
	coded := `{"title":"The requested correspondence was not found","status":404,"code":"CORR-01001"}`
	answer := func(body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, body)
		}
	}
	if obs, err := nfStatus(t, answer(bare), nfID(2), nfID(3), nfID(4)); err == nil {
		t.Errorf("three letters, each a code-less 404: %d observations (first %v), want the call failed", len(obs), obs[0].Err)
	}
	for _, tc := range []struct {
		name string
		body string
		ids  []string
	}{
		{"three letters, each Altinn's code 1001", coded, []string{nfID(2), nfID(3), nfID(4)}},
		{"two letters, each a code-less 404", bare, []string{nfID(2), nfID(3)}},
		{"three letters with code-less 404s and one read", bare, []string{nfID(1), nfID(2), nfID(3), nfID(4)}},
	} {
		obs, err := nfStatus(t, answer(tc.body), tc.ids...)
		if err != nil {
			t.Errorf("%s: %v, want each letter's answer", tc.name, err)
			continue
		}
		for _, o := range obs {
			if o.ChannelID != nfID(1) && !errors.Is(o.Err, channel.ErrNotKnown) {
				t.Errorf("%s: %s: %v, want ErrNotKnown", tc.name, o.ChannelID, o.Err)
			}
		}
	}
}
