package digitalpost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// TestPagingDepthCap: a log that caps how deep its pages go (a search
// index's result window: from + size at most so many entries) and answers
// a page past the cap with an error rather than an empty page. A read
// oldest first ends there with a gap after the last entry it gave, so that
// reading on from it (as the poller does from a gap) reaches the rest; the
// error ended the read, the cursor stayed at the window's start, and every
// cycle read the same first pages and failed on the same page, the entries
// past the cap never read (their proofs of delivery and readings lost).
// So with a 500 (a service passing its index's refusal on as its own
// failure), or no answer in time (deep pages too slow: an offset skipped
// entry by entry): the feed stood still for good. An error that is about the
// caller (401, 403, the rate limit: a 429, a 503 asking to come back
// later) or one on the first page stays the read's error; so does a refusal after pages short of what the
// log counted (one left out an entry the read's end would have told of).
func TestPagingDepthCap(t *testing.T) {
	const entries, size = 30, 5
	for _, c := range []struct {
		name   string
		depth  int // entries the log pages to at most
		status int // its answer past them
		gap    bool
		held   int // an entry the log counts and does not give yet (-1: none)
	}{
		{"a 400 past 20 entries", 20, http.StatusBadRequest, true, -1},
		{"a 422 past 20 entries", 20, http.StatusUnprocessableEntity, true, -1},
		{"a 500 past 20 entries", 20, http.StatusInternalServerError, true, -1},
		{"a 503 asking to come back in an hour past 20 entries", 20, http.StatusServiceUnavailable, false, -1},
		{"no answer in time past 20 entries", 20, 0, true, -1},
		{"a 403 past 20 entries", 20, http.StatusForbidden, false, -1},
		{"a 429 past 20 entries", 20, http.StatusTooManyRequests, false, -1},
		{"the first page refused", 0, http.StatusBadRequest, false, -1},
		{"a 400 past 20 entries, a page short of the count", 20, http.StatusBadRequest, false, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := depthLog(t, entries, pagingEntry, c.depth, c.status, c.held)
			opts := httpclient.Options{MaxRetries: -1, BreakerThreshold: -1}
			if c.status == 0 {
				opts.Timeout = time.Second // the deep page's wait for it
			}
			cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: size}, opts)
			var got []string
			read := func(from time.Time) error {
				return cl.Events(context.Background(), from, time.Time{}, func(p []channel.FeedEvent) error {
					for _, e := range p {
						got = append(got, e.ID)
					}
					return nil
				})
			}
			err := read(depthCreated(0))
			var gap *channel.GapError
			if !c.gap {
				if err == nil || errors.As(err, &gap) {
					t.Fatalf("read: %v, want the log's error", err)
				}
				return
			}
			if !errors.As(err, &gap) || !gap.After.Equal(depthCreated(c.depth-1)) {
				t.Fatalf("read: %v, want a gap after entry %d", err, c.depth-1)
			}
			if len(got) != c.depth {
				t.Fatalf("read gave %d entries before the gap, want %d", len(got), c.depth)
			}
			if err := read(gap.After.Add(-time.Millisecond)); err != nil {
				t.Fatalf("reading on from the gap: %v", err)
			}
			seen := map[string]bool{}
			for _, id := range got {
				seen[id] = true
			}
			if len(seen) != entries {
				t.Errorf("read %d distinct entries, want all %d", len(seen), entries)
			}
		})
	}
}

// TestDiscoverDepthCap: a back-fill's window on a log that pages only so
// deep reads on from the gap, as the poller does: every letter of the
// window is found, the listing whole. It ended at the cap, incomplete.
func TestDiscoverDepthCap(t *testing.T) {
	const entries = 30
	sent := func(n int) string { return strings.Replace(pagingEntry(n), "MESSAGE_READ", "MEMO_SEND_RECEIVED", 1) }
	srv := depthLog(t, entries, sent, 20, http.StatusBadRequest, -1)
	cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: 5},
		httpclient.Options{MaxRetries: -1, BreakerThreshold: -1})
	found, err := cl.Discover(context.Background(), depthCreated(0), depthCreated(0).Add(time.Hour))
	if err != nil || len(found) != entries {
		t.Fatalf("%d found, %v; want all %d, whole", len(found), err, entries)
	}
}

// depthCreated is when depthLog's entry n was made and stored.
func depthCreated(n int) time.Time { return time.Date(2025, 3, 10, 8, 0, n, 0, time.UTC) }

// depthLog is an event log of the entries 0 to n-1 (entry(i), stored at
// depthCreated(i)), oldest first from dateFrom, that pages to depth entries
// at most and answers a page past them with status and a search index's
// words (a 503 with a Retry-After of an hour; status 0: no answer at
// all); entry held it counts and does not give (-1: none).
func depthLog(t *testing.T, n int, entry func(int) string, depth, status, held int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		from, err := time.Parse(time.RFC3339Nano, q.Get("dateFrom"))
		if err != nil {
			from, err = time.Parse("2006-01-02T15:04:05.000-0700", q.Get("dateFrom"))
		}
		page, _ := strconv.Atoi(q.Get("page"))
		sz, _ := strconv.Atoi(q.Get("size"))
		if err != nil || sz <= 0 {
			t.Errorf("query %v", q)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var hits []string
		for i := range n {
			if !depthCreated(i).Before(from) {
				hits = append(hits, entry(i))
			}
		}
		if (page+1)*sz > depth && status == 0 {
			<-r.Context().Done() // no answer: the client gives up
			return
		}
		if (page+1)*sz > depth {
			w.Header().Set("Content-Type", "application/json")
			if status == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", "3600")
			}
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"status":%d,"error":"Result window is too large, from + size must be less than or equal to: [%d]"}`, status, depth)
			return
		}
		lo, hi := min(page*sz, len(hits)), min((page+1)*sz, len(hits))
		var given []string
		for _, h := range hits[lo:hi] {
			if held < 0 || !strings.Contains(h, fmt.Sprintf(`"id":"ev-%d"`, held)) {
				given = append(given, h)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":%d,"totalElements":%d}`,
			strings.Join(given, ","), page, (len(hits)+sz-1)/sz, len(hits))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestDiscoverDepthCapNewestFirst: a back-fill's window on a log that
// ignores sortFields=created:asc (it lists the newest first) and pages
// only so deep. Reading on from the gap, as for a log that lists oldest
// first, started after the newest entry read, which here is the newest of
// all: the letters past the cap (the oldest) were never read, and the
// listing said it was whole, the run exiting 0. The gap stays the
// listing's: what was found, and ErrIncomplete (the run names the gap).
func TestDiscoverDepthCapNewestFirst(t *testing.T) {
	const entries, depth, size = 30, 20, 5
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		from, err := time.Parse(time.RFC3339Nano, q.Get("dateFrom"))
		page, _ := strconv.Atoi(q.Get("page"))
		sz, _ := strconv.Atoi(q.Get("size"))
		if err != nil || sz <= 0 {
			t.Errorf("query %v", q)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if (page+1)*sz > depth {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"status":400,"error":"Result window is too large, from + size must be less than or equal to: [%d]"}`, depth)
			return
		}
		var hits []string
		for i := entries - 1; i >= 0; i-- { // the newest first
			if !depthCreated(i).Before(from) {
				hits = append(hits, strings.Replace(pagingEntry(i), "MESSAGE_READ", "MEMO_SEND_RECEIVED", 1))
			}
		}
		lo, hi := min(page*sz, len(hits)), min((page+1)*sz, len(hits))
		fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":%d,"totalElements":%d}`,
			strings.Join(hits[lo:hi], ","), page, (len(hits)+sz-1)/sz, len(hits))
	}))
	t.Cleanup(srv.Close)
	cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: size},
		httpclient.Options{MaxRetries: -1, BreakerThreshold: -1})
	found, err := cl.Discover(context.Background(), depthCreated(0), depthCreated(0).Add(time.Hour))
	if len(found) < entries && !errors.Is(err, channel.ErrIncomplete) {
		t.Fatalf("%d of %d letters found, and the listing says %v: want it incomplete", len(found), entries, err)
	}
}

// TestPagingPageBound: a window whose entries take more pages than one
// read asks for (MaxPages: a busy day of a log that serves small pages).
// A read oldest first ends at the bound with a gap after the last entry
// it gave, so that reading on from it (as the poller does from a gap)
// reaches the rest. It ended with an error naming no setting ("narrow the
// window": the poller's windows are a day, none narrower), the cursor
// stayed at the window's start, and every cycle read the same pages and
// stopped at the same one: the entries past it were never read. A letter's
// look-up (the newest first) stays bounded by its error.
func TestPagingPageBound(t *testing.T) {
	const entries, size, pages = 30, 5, 4
	srv := depthLog(t, entries, pagingEntry, entries, http.StatusBadRequest, -1) // no cap on depth
	cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: size, MaxPages: pages},
		httpclient.Options{MaxRetries: -1, BreakerThreshold: -1})
	seen := map[string]bool{}
	read := func(from time.Time) error {
		return cl.Events(context.Background(), from, time.Time{}, func(p []channel.FeedEvent) error {
			for _, e := range p {
				seen[e.ID] = true
			}
			return nil
		})
	}
	from := depthCreated(0)
	for reads := 0; ; reads++ {
		if reads > entries {
			t.Fatalf("still reading after %d reads, %d of %d entries read", reads, len(seen), entries)
		}
		err := read(from)
		if err == nil {
			break
		}
		var gap *channel.GapError
		if !errors.As(err, &gap) || !errors.Is(err, errTooManyPages) {
			t.Fatalf("read %d from %s: %v, want a gap at the page bound", reads, from, err)
		}
		if want := depthCreated(len(seen) - 1); !gap.After.Equal(want) {
			t.Fatalf("read %d: the gap comes after %s, want %s (the last entry read)", reads, gap.After, want)
		}
		from = gap.After.Add(-time.Millisecond)
	}
	if len(seen) != entries {
		t.Errorf("read %d distinct entries, want all %d", len(seen), entries)
	}
}
