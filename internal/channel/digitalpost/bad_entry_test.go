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

// TestEntryTheLogFailsOn: a log that answers 500 to every page holding one
// entry (a service whose serializer fails on that entry: a tag its enum
// does not know yet) and serves the others. Read as the poller reads, on
// from each gap, every other entry is read and that one is its own
// unreadable entry (ErrBadRecord): one letter never holds back the others.
// An entry the log answers when asked once more is read (the failure
// passed).
// Before, each read on from the entries before it failed on its first
// page, and the feed stood still there for good. A log that fails on every
// page after a point (an outage, not one entry) still fails the read, and
// no entry is taken for unreadable; so does one failing on its last entry
// (nothing after it says the log answers).
func TestEntryTheLogFailsOn(t *testing.T) {
	const n, size = 14, 5
	for _, c := range []struct {
		name     string
		failing  func(i, n int) bool // the entries a page holding fails, held n times before
		read     []int               // the entries read, in order (once each)
		bad      int                 // entries taken for unreadable
		whole    bool                // the read ends without an error
		requests int                 // at most
	}{
		{"one entry in the second page", func(i, _ int) bool { return i == 7 }, without(n, 7), 1, true, 12},
		{"one entry in the first page", func(i, _ int) bool { return i == 2 }, without(n, 2), 1, true, 11},
		{"one entry, three times (a failure that passes)", func(i, times int) bool { return i == 7 && times < 3 }, upTo(n), 0, true, 12},
		{"every entry from the eighth on (an outage)", func(i, _ int) bool { return i >= 7 }, upTo(7), 0, false, 8},
		{"the last entry", func(i, _ int) bool { return i == n-1 }, upTo(n - 1), 0, false, 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			requests := 0
			held := map[int]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests++
				q := r.URL.Query()
				from, err := time.Parse(time.RFC3339Nano, q.Get("dateFrom"))
				page, _ := strconv.Atoi(q.Get("page"))
				sz, _ := strconv.Atoi(q.Get("size"))
				if err != nil || sz <= 0 {
					t.Errorf("query %v", q)
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				var hits []int
				for i := range n {
					if !depthCreated(i).Before(from) {
						hits = append(hits, i)
					}
				}
				lo, hi := min(page*sz, len(hits)), min((page+1)*sz, len(hits))
				var given []string
				for _, i := range hits[lo:hi] {
					held[i]++
					if c.failing(i, held[i]-1) {
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusInternalServerError)
						fmt.Fprint(w, `{"status":500,"error":"Internal Server Error","message":"No enum constant EventTag.MEMO_NEW_THING"}`)
						return
					}
					given = append(given, pagingEntry(i))
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":%d,"totalElements":%d}`,
					strings.Join(given, ","), page, (len(hits)+sz-1)/sz, len(hits))
			}))
			t.Cleanup(srv.Close)
			cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: size},
				httpclient.Options{MaxRetries: -1, BreakerThreshold: -1})
			var got []string
			seen := map[string]bool{}
			bad := 0
			from := depthCreated(0)
			var err error
			for range 10 { // as the poller reads on from a gap
				err = cl.Events(context.Background(), from, time.Time{}, func(p []channel.FeedEvent) error {
					for _, e := range p {
						switch {
						case e.Err != nil:
							bad++
							if !errors.Is(e.Err, channel.ErrBadRecord) {
								t.Errorf("the entry's error %v is not ErrBadRecord", e.Err)
							}
						case !seen[e.ID]:
							seen[e.ID] = true
							got = append(got, e.ID)
						}
					}
					return nil
				})
				var gap *channel.GapError
				if !errors.As(err, &gap) || gap.After.IsZero() || !gap.After.Add(-time.Millisecond).After(from) {
					break
				}
				from = gap.After.Add(-time.Millisecond)
			}
			var want []string
			for _, i := range c.read {
				want = append(want, fmt.Sprintf("ev-%d", i))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") || bad != c.bad {
				t.Errorf("read %v and %d unreadable,\nwant %v and %d", got, bad, want, c.bad)
			}
			if c.whole != (err == nil) {
				t.Errorf("the read ended with %v; want an error: %v", err, !c.whole)
			}
			if requests > c.requests {
				t.Errorf("%d requests, want at most %d", requests, c.requests)
			}
		})
	}
}

// without is the entries 0 to n-1 but one.
func without(n, skip int) []int {
	var out []int
	for i := range n {
		if i != skip {
			out = append(out, i)
		}
	}
	return out
}

// upTo is the entries 0 to n-1.
func upTo(n int) []int { return without(n, -1) }

// TestOversizedEntryIsSkippedAlone: one entry larger than the answers the
// client reads (4 KiB here) makes the page holding it too large. The read
// asks for that page's entries one at a time; the entry alone too large
// becomes its own error (ErrBadRecord), every other entry is read, in
// order, the pages after it are of the usual size again, and the read ends
// as usual (one letter never holds back another). Also when the log serves
// fewer entries per page than asked (Config.PageSize: "the log may serve
// fewer").
func TestOversizedEntryIsSkippedAlone(t *testing.T) {
	for _, c := range []struct {
		name         string
		n, huge, cap int // entries, the oversized one, the log's page size cap (0: none)
		maxRequests  int
	}{
		{name: "in the second page", n: 14, huge: 7, maxRequests: 3 + 6},
		{name: "in the first page, many after it", n: 60, huge: 2, maxRequests: 10 + 6},
		{name: "the log serves 4 of the 6 asked", n: 14, huge: 9, cap: 4, maxRequests: 4 + 4},
		{name: "the last entry", n: 12, huge: 11, maxRequests: 3 + 6}, // a page after it says the log ends
	} {
		t.Run(c.name, func(t *testing.T) {
			entry := func(i int) string {
				pad := ""
				if i == c.huge {
					pad = `,"label":"` + strings.Repeat("x", 6000) + `"`
				}
				return fmt.Sprintf(`{"id":"ev-%02d","eventTag":"MESSAGE_READ","eventTime":"2025-03-10T08:%02d:00Z","created":"2025-03-10T08:%02d:00Z",`+
					`"metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-0000000000%02d"%s}}`, i, i, i, i, pad)
			}
			var asked []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				size, _ := strconv.Atoi(r.URL.Query().Get("size"))
				asked = append(asked, fmt.Sprintf("p%d/s%d", page, size))
				if c.cap > 0 {
					size = min(size, c.cap)
				}
				var evs []string
				for i := page * size; i < min((page+1)*size, c.n); i++ {
					evs = append(evs, entry(i))
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":%d,"totalElements":%d}`,
					strings.Join(evs, ","), page, (c.n+size-1)/size, c.n)
			}))
			defer srv.Close()
			hc, _ := httpclient.New(httpclient.Options{Name: Name, BaseURL: srv.URL + "/apis/v1", Logger: quiet, MaxRetries: -1, MaxBodyBytes: 4096})
			cl, err := New(Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: 6, MaxPages: 20}, hc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			bad := 0
			err = cl.Events(context.Background(), simStart.AddDate(0, 0, -1), simStart, func(p []channel.FeedEvent) error {
				for _, e := range p {
					if e.Err != nil {
						bad++
						if !errors.Is(e.Err, channel.ErrBadRecord) {
							t.Errorf("the oversized entry's error %v is not ErrBadRecord", e.Err)
						}
						continue
					}
					got = append(got, e.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("the read failed: %v (pages asked %v)", err, asked)
			}
			var want []string
			for i := 0; i < c.n; i++ {
				if i != c.huge {
					want = append(want, fmt.Sprintf("ev-%02d", i))
				}
			}
			seen := map[string]bool{}
			var unique []string
			for _, id := range got {
				if !seen[id] {
					seen[id] = true
					unique = append(unique, id)
				}
			}
			if strings.Join(unique, " ") != strings.Join(want, " ") || bad != 1 {
				t.Errorf("read %v and %d bad,\nwant %v and 1 bad (pages asked %v)", unique, bad, want, asked)
			}
			if len(asked) > c.maxRequests {
				t.Errorf("%d requests for %d entries, want at most %d: %v", len(asked), c.n, c.maxRequests, asked)
			}
		})
	}
}
