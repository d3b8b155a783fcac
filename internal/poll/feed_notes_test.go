package poll_test

// The feed against a Digital Post event log written from the channel notes
// (/work/shared/specs/digitalpost/README.md), not from internal/sim: GET
// events/ filtered on created by dateFrom/dateTo (inclusive), page
// zero-based, size capped at 100, entries as the notes list their fields.
// Each test gives the log one way a real service or an independent fake
// may answer that the notes allow or describe.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel/digitalpost"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// notesEntry is one entry of a notesLog: its created time (what the log
// filters and sorts on) and its JSON as sent.
type notesEntry struct {
	created time.Time
	raw     string
	// visible, when set, is when the entry shows in the log (the notes:
	// only eventually consistent), later than created.
	visible time.Time
}

// notesLog serves GET …/events/ from its entries.
type notesLog struct {
	mu      sync.Mutex
	entries []notesEntry
	// newestFirst: the log ignores sortFields and lists the newest first.
	newestFirst bool
	// firstPageOnly: the log ignores page and answers the first page.
	firstPageOnly bool
	// refuse, when set, says whether the log answers a query 400.
	refuse func(q url.Values) bool
	// fail, when set, may answer a request itself (true).
	fail func(w http.ResponseWriter, page int) bool
	// failsOn, when set, says which entries the log fails on (500) in any
	// page that holds them (a serializer failing on a value).
	failsOn func(raw string) bool
	// now, when set, hides the entries stored after it (and those not
	// visible yet).
	now func() time.Time
	// asked, when set, is told of each request's query.
	asked func(q url.Values)
	// pending, when set, says which entries the log counts but does not
	// give yet (the notes: lists are only eventually consistent).
	pending func(raw string) bool
	// searches: every query is logged as an EVENT_LOG_SEARCHES entry,
	// with the messageUUID it searched for (the notes: every events/
	// query you make).
	searches int
	search   bool
}

func (l *notesLog) add(created time.Time, raw string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, notesEntry{created: created, raw: raw})
}

// addLate adds an entry that shows in the log only from visible on,
// though created earlier.
func (l *notesLog) addLate(created, visible time.Time, raw string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, notesEntry{created: created, raw: raw, visible: visible})
}

func (l *notesLog) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bound := func(k string) (time.Time, bool) {
		if !q.Has(k) {
			return time.Time{}, true
		}
		t, err := time.Parse("2006-01-02T15:04:05.000Z07:00", q.Get(k))
		return t, err == nil
	}
	from, ok1 := bound("dateFrom")
	to, ok2 := bound("dateTo")
	page, err1 := strconv.Atoi(q.Get("page"))
	size, err2 := strconv.Atoi(q.Get("size"))
	if !ok1 || !ok2 || err1 != nil || err2 != nil || page < 0 || size < 1 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	size = min(size, 100)
	l.mu.Lock()
	fail, asked, pending, failsOn := l.fail, l.asked, l.pending, l.failsOn
	var hits []notesEntry
	for _, e := range l.entries {
		if l.now != nil && (e.created.After(l.now()) || e.visible.After(l.now())) {
			continue
		}
		if (from.IsZero() || !e.created.Before(from)) && (to.IsZero() || !e.created.After(to)) {
			hits = append(hits, e)
		}
	}
	newest := l.newestFirst
	if l.firstPageOnly {
		page = 0
	}
	l.mu.Unlock()
	if asked != nil {
		asked(q)
	}
	if l.refuse != nil && l.refuse(q) {
		http.Error(w, `{"title":"Bad Request","status":400}`, http.StatusBadRequest)
		return
	}
	if fail != nil && fail(w, page) {
		return
	}
	if l.search {
		l.mu.Lock()
		l.searches++
		at := time.Now()
		if l.now != nil {
			at = l.now()
		}
		l.entries = append(l.entries, notesEntry{created: at, raw: notesRaw(fmt.Sprintf("search-%d", l.searches), "EVENT_LOG_SEARCHES",
			q.Get("metaProperties.messageUUID"), notesTime(at), notesTime(at))})
		l.mu.Unlock()
	}
	sort.SliceStable(hits, func(a, b int) bool {
		if newest {
			return hits[a].created.After(hits[b].created)
		}
		return hits[a].created.Before(hits[b].created)
	})
	var raws []string
	for i := page * size; i < len(hits) && i < (page+1)*size; i++ {
		if failsOn != nil && failsOn(hits[i].raw) {
			http.Error(w, `{"status":500,"error":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
		if pending == nil || !pending(hits[i].raw) {
			raws = append(raws, hits[i].raw)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":%d,"elementsOnPage":%d,"totalElements":%d}`,
		strings.Join(raws, ","), page, (len(hits)+size-1)/size, len(raws), len(hits))
}

// client is a Digital Post adapter reading the log, with pages of size
// (and what set changes of the rest of its configuration).
func (l *notesLog) client(t *testing.T, size int, set ...func(*digitalpost.Config)) *digitalpost.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(srv.Close)
	cfg := digitalpost.Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6",
		APIToken: "tok", PageSize: size, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}
	for _, f := range set {
		f(&cfg)
	}
	return digitalPostAt(t, cfg)
}

// addReads adds n MESSAGE_READ entries, letter i's created (and eventTime)
// at an hour before now plus i times two minutes: a letter read every two
// minutes over the last hour.
func (l *notesLog) addReads(now time.Time, n int) {
	for i := range n {
		c := now.Add(-time.Hour + time.Duration(i)*2*time.Minute)
		l.add(c, notesRaw(fmt.Sprintf("read-%d", i), "MESSAGE_READ", notesLetterID(i), notesTime(c), notesTime(c)))
	}
}

// notesRaw is an entry as the notes list its fields; eventTime and created
// are spliced in as given (JSON).
func notesRaw(id, tag, letter, eventTime, created string) string {
	return fmt.Sprintf(`{"id":%q,"eventId":%q,"rootId":%q,"eventTime":%s,"created":%s,"owner":"29189919","eventTag":%q,`+
		`"metaProperties":{"messageUUID":%q,"messageType":"DIGITALPOST","senderID":"29189919","recipientID":"12345674",`+
		`"recipientType":"COMPANY","label":"Afgørelse"}}`, id, "e-"+id, "r-"+id, eventTime, created, tag, letter)
}

// notesTime is the log's own time form.
func notesTime(t time.Time) string { return `"` + t.UTC().Format("2006-01-02T15:04:05.000Z") + `"` }

func notesLetterID(i int) string { return fmt.Sprintf("3f2504e0-4f89-41d3-9a0c-%012d", i) }

// notesLetters registers n Digital Post letters, letter i with channel id
// notesLetterID(i), sent at sentAt.
func notesLetters(t *testing.T, st *store.Store, n int, sentAt time.Time) []store.Shipment {
	t.Helper()
	var items []model.NewShipment
	for i := range n {
		it := storetest.Letter(i)
		it.Channel, it.ChannelID, it.SentAt = "digitalpost", notesLetterID(i), sentAt
		items = append(items, it)
	}
	return storetest.Register(t, st, items...)
}

// notesPoller is a poller that logs nowhere and takes its time from now.
func notesPoller(st *store.Store, now func() time.Time) *poll.Poller {
	return poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: now})
}

// notesStates returns each letter's state by channel id.
func notesStates(t *testing.T, db interface {
	Select(dest any, query string, args ...any) error
}) map[string]model.State {
	t.Helper()
	var rows []struct {
		ChannelID string      `db:"channel_id"`
		State     model.State `db:"state"`
	}
	if err := db.Select(&rows, `SELECT channel_id, state FROM shipments WHERE channel = 'digitalpost'`); err != nil {
		t.Fatal(err)
	}
	out := map[string]model.State{}
	for _, r := range rows {
		out[r.ChannelID] = r.State
	}
	return out
}

// notesUnopened returns the channel ids of the Digital Post letters not
// opened, sorted.
func notesUnopened(t *testing.T, db interface {
	Select(dest any, query string, args ...any) error
}) []string {
	t.Helper()
	var out []string
	for id, s := range notesStates(t, db) {
		if s != model.StateOpened {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// TestFeedNotesEventTimeAfterCreated: the notes say created, when the log
// stored an entry, is later than its eventTime. An entry whose eventTime
// lies after its created (a producer that wrote Copenhagen time with a Z,
// an hour or two ahead; a skewed clock) happened no later than the log
// stored it: the letter is opened by it in the cycle that reads it, dated
// no later than created, not refused as "in the future" while the cursor
// moves past it for good. So is one whose eventTime lies days after its
// created (3 days: the adapter keeps such an eventTime, as a created that
// far before it may be the wrong one; the poller, seeing it ahead of its
// own now, takes created).
func TestFeedNotesEventTimeAfterCreated(t *testing.T) {
	for _, ahead := range []time.Duration{time.Hour, 2 * time.Hour, 10 * time.Minute, 3 * 24 * time.Hour} {
		t.Run(ahead.String(), func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			ships := notesLetters(t, st, 2, now.Add(-5*time.Hour))
			l := &notesLog{}
			for i := range 2 {
				at := now.Add(-4 * time.Hour)
				l.add(at, notesRaw(fmt.Sprintf("av-%d", i), "MEMO_AVAILABLE_TO_RECIPIENT", notesLetterID(i), notesTime(at), notesTime(at)))
			}
			// Letter 0 read a minute ago, its eventTime written ahead;
			// letter 1's entry after it moves the cursor past it.
			created := now.Add(-time.Minute)
			l.add(created, notesRaw("read-0", "MESSAGE_READ", notesLetterID(0), notesTime(created.Add(ahead)), notesTime(created)))
			l.add(now.Add(-30*time.Second), notesRaw("read-1", "MESSAGE_READ", notesLetterID(1), notesTime(now.Add(-31*time.Second)), notesTime(now.Add(-30*time.Second))))
			// A busy log: other senders' letters every few minutes move
			// the cursor on.
			for at := now; at.Before(now.Add(4 * time.Hour)); at = at.Add(3 * time.Minute) {
				l.add(at, notesRaw("other-"+at.Format("150405"), "MEMO_SEND_RECEIVED", notesLetterID(900), notesTime(at), notesTime(at)))
			}
			clock := now
			l.now = func() time.Time { return clock }
			dp := l.client(t, 100)
			p := notesPoller(st, func() time.Time { return clock })
			// Cycles every quarter of an hour, past the eventTime.
			for clock.Before(now.Add(ahead + 30*time.Minute)) {
				if _, err := p.Poll(ctx, dp); err != nil {
					t.Fatalf("cycle at %s: %v", clock, err)
				}
				clock = clock.Add(15 * time.Minute)
			}
			for i, s := range ships {
				var row struct {
					State   model.State `db:"state"`
					Changed time.Time   `db:"state_changed_at"`
				}
				if err := st.DB().Get(&row, `SELECT state, state_changed_at FROM shipments WHERE id = $1`, s.ID); err != nil {
					t.Fatal(err)
				}
				if row.State != model.StateOpened {
					t.Errorf("letter %d is %s, want opened: its MESSAGE_READ entry was lost", i, row.State)
					continue
				}
				if i == 0 && row.Changed.After(created) {
					t.Errorf("letter 0 opened at %s, after the log stored the entry (%s)", row.Changed, created)
				}
			}
		})
	}
}

// TestFeedNotesNewestFirst: a log that lists its newest entries first (it
// ignores sortFields=created:asc, which the notes give only as an example)
// and fails in the middle of a read (503 on the second page, once) must
// not lose the older entries: the cursor may not move to the newest entry
// read while older ones are still unread. Every letter ends opened.
func TestFeedNotesNewestFirst(t *testing.T) {
	for _, failing := range []int{1, 2} {
		t.Run(fmt.Sprintf("503 on page %d", failing), func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			const n = 30
			notesLetters(t, st, n, now.Add(-3*time.Hour))
			l := &notesLog{newestFirst: true}
			l.addReads(now, n) // a letter read every two minutes over the last hour
			failed := false
			l.fail = func(w http.ResponseWriter, page int) bool {
				if page == failing && !failed {
					failed = true
					http.Error(w, `{"error":"Service Unavailable"}`, http.StatusServiceUnavailable)
					return true
				}
				return false
			}
			clock := now
			l.now = func() time.Time { return clock }
			dp := l.client(t, 10)
			p := notesPoller(st, func() time.Time { return clock })
			for range 4 {
				_, _ = p.Poll(ctx, dp) // the first fails
				clock = clock.Add(15 * time.Minute)
			}
			if !failed {
				t.Fatal("the log never failed")
			}
			if lost := notesUnopened(t, st.DB()); len(lost) > 0 {
				t.Errorf("%d of %d letters never opened: their MESSAGE_READ entries were passed by the cursor (%v)", len(lost), n, lost)
			}
		})
	}
}

// TestFeedNotesRefusedSortAndSize: a log that answers 400 to sortFields
// and to pages over 100 (the notes document neither a maximum nor the sort
// fields it takes; it then lists the newest first) is read all the same:
// the adapter finds what it takes in the first cycle, the poller reads it
// as a log not ordered oldest first (the cursor moving once a window is
// read whole), and every letter ends opened. Only the first cycle meets a
// 400.
func TestFeedNotesRefusedSortAndSize(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	const n = 60
	notesLetters(t, st, n, now.Add(-3*time.Hour))
	var refused []int // per cycle
	l := &notesLog{newestFirst: true, refuse: func(q url.Values) bool {
		size, _ := strconv.Atoi(q.Get("size"))
		if size > 100 || q.Has("sortFields") {
			refused[len(refused)-1]++
			return true
		}
		return false
	}}
	l.addReads(now, n) // a letter read every two minutes from an hour ago, half still to come
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, 500)
	p := notesPoller(st, func() time.Time { return clock })
	for range 8 {
		refused = append(refused, 0)
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
		clock = clock.Add(15 * time.Minute)
	}
	if refused[0] == 0 {
		t.Fatal("the log refused nothing: nothing tested")
	}
	for i, r := range refused[1:] {
		if r != 0 {
			t.Errorf("cycle %d met %d refusals; what the log takes is kept after the first", i+1, r)
		}
	}
	for id, s := range notesStates(t, st.DB()) {
		if s != model.StateOpened {
			t.Errorf("letter %s is %s, want opened", id, s)
		}
	}
}

// TestFeedNotesLogThatDoesNotPage: a log that ignores page (it answers the
// first page, of the size asked, whatever page is asked for) is read whole
// all the same, without a poll error and without thousands of requests:
// each repeated page ends the read after its last entry, and the poller
// reads on from there.
func TestFeedNotesLogThatDoesNotPage(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	const n = 25
	notesLetters(t, st, n, now.Add(-3*time.Hour))
	l := &notesLog{firstPageOnly: true}
	l.addReads(now, n)
	var asked int
	l.fail = func(http.ResponseWriter, int) bool { asked++; return false }
	l.now = func() time.Time { return now }
	dp := l.client(t, 10)
	p := notesPoller(st, func() time.Time { return now })
	sum, err := p.Poll(ctx, dp)
	if err != nil {
		t.Fatalf("the cycle: %v", err)
	}
	if sum.Errors != 0 {
		t.Errorf("%d errors in the cycle (%+v), want none", sum.Errors, sum)
	}
	if asked > 20 {
		t.Errorf("%d requests for %d entries in pages of 10", asked, n)
	}
	for id, s := range notesStates(t, st.DB()) {
		if s != model.StateOpened {
			t.Errorf("letter %s is %s, want opened", id, s)
		}
	}
	var perrs int
	if err := st.DB().Get(&perrs, `SELECT count(*) FROM poll_errors`); err != nil || perrs != 0 {
		t.Errorf("%d poll errors (%v), want none", perrs, err)
	}
}

// TestFeedNotesSearchEntriesAreAboutNoLetter: the log records every events/
// query as an EVENT_LOG_SEARCHES entry, which the notes say to ignore. One
// that carries the messageUUID postvakt searched for (its look-up of a
// letter the log has never heard of) is about no letter: it is not that
// letter's evidence, and it does not make the log "know" it, so the letter
// is marked unknown_to_channel as the log's silence says.
func TestFeedNotesSearchEntriesAreAboutNoLetter(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond) // letters registered now are due by then
	ships := notesLetters(t, st, 2, now.Add(-3*time.Hour))
	l := &notesLog{search: true}
	// Letter 1 is in the log; letter 0, never sent on, is not.
	at := now.Add(-150 * time.Minute)
	l.add(at, notesRaw("av-1", "MEMO_AVAILABLE_TO_RECIPIENT", notesLetterID(1), notesTime(at), notesTime(at)))
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, 100)
	p := notesPoller(st, func() time.Time { return clock })
	for range 4 {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(15 * time.Minute)
	}
	if l.searches == 0 {
		t.Fatal("the log recorded no search")
	}
	var kept int
	if err := st.DB().Get(&kept, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1 AND kind = 'channel_event'`, ships[0].ID); err != nil {
		t.Fatal(err)
	}
	if kept != 0 {
		t.Errorf("%d log entries kept as evidence of the letter the log never heard of, want none (the records of postvakt's own searches)", kept)
	}
	var unknown *time.Time
	if err := st.DB().Get(&unknown, `SELECT unknown_to_channel_since FROM shipments WHERE id = $1`, ships[0].ID); err != nil {
		t.Fatal(err)
	}
	if unknown == nil {
		t.Error("the letter the log never heard of is not marked unknown_to_channel")
	}
	if s := notesStates(t, st.DB())[notesLetterID(1)]; s != model.StateAvailable {
		t.Errorf("the letter in the log is %s, want available", s)
	}
}

// TestFeedNotesLookupsHonourRetryAfter: letters registered after their
// entries went by are looked up one by one. When the log answers 429 with
// Retry-After (an hour, as seconds or as an HTTP date), the rate limit is
// the log's, not one letter's: the cycle asks no further letters (what was
// in flight may still come back), reads no window, and the log is not asked
// again within the hour.
func TestFeedNotesLookupsHonourRetryAfter(t *testing.T) {
	for _, retryAfter := range []string{"3600", "date"} {
		t.Run(retryAfter, func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			now := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond) // letters registered now are due by then
			const n = 120
			notesLetters(t, st, n, now.Add(-3*time.Hour))
			// The log was read up to half an hour ago: the letters, sent
			// before that, are looked up on their own.
			if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: now.Add(-30 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
			l := &notesLog{}
			var asked atomic.Int64
			l.fail = func(w http.ResponseWriter, _ int) bool {
				asked.Add(1)
				v := retryAfter
				if v == "date" {
					v = time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
				}
				w.Header().Set("Retry-After", v)
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"title":"Too Many Requests","status":429}`)
				return true
			}
			clock := now
			l.now = func() time.Time { return clock }
			dp := l.client(t, 100)
			p := notesPoller(st, func() time.Time { return clock })
			_, _ = p.Poll(ctx, dp)
			first := asked.Load()
			if first == 0 || first > 8 {
				t.Errorf("%d requests in a cycle answered 429 with Retry-After %s; want a few (those in flight)", first, retryAfter)
			}
			clock = clock.Add(30 * time.Minute)
			_, _ = p.Poll(ctx, dp)
			if n := asked.Load() - first; n != 0 {
				t.Errorf("the log was asked %d times within the hour it asked to be left alone", n)
			}
		})
	}
}
