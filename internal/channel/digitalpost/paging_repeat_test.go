package digitalpost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// TestPagingALogThatRepeatsItsPage: a log (or a fake written from the
// notes) that ignores page and answers every request with the same page.
// A page that repeats the one before it (the same entries) ends the read
// at once, not after MaxPages requests: when it is shorter than the size
// asked the log gave all it has (no error); when it is full there may be
// more the log will not page to, a gap after the last entry read, so that
// the poller reads on from there (each such read starts later).
func TestPagingALogThatRepeatsItsPage(t *testing.T) {
	const entries = 10
	for _, c := range []struct {
		name       string
		pages      bool // the log honours page
		size       bool // the log honours size
		envelope   bool // the log says currentPage, totalPages, totalElements
		want       int  // entries read, ev-1 onwards
		asked      int
		gapAfter   int // the GapError's last entry before it (0: no error)
		wantErrStr string
	}{
		{name: "a log that pages (control)", pages: true, size: true, envelope: true, want: 10, asked: 4},
		{name: "no paging at all, no envelope", want: 10, asked: 2},
		{name: "no paging at all, an envelope of one page", envelope: true, want: 10, asked: 1},
		{name: "size honoured, page ignored, no envelope", size: true, want: 3, asked: 2, gapAfter: 3, wantErrStr: "repeats"},
		{name: "size honoured, page ignored, totalPages 4", size: true, envelope: true, want: 3, asked: 2, gapAfter: 3, wantErrStr: "repeats"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var asked atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked.Add(1)
				q := r.URL.Query()
				page, _ := strconv.Atoi(q.Get("page"))
				size, _ := strconv.Atoi(q.Get("size"))
				if !c.pages {
					page = 0
				}
				if !c.size {
					size = entries
				}
				var evs []string
				for n := page*size + 1; n <= entries && n <= (page+1)*size; n++ {
					evs = append(evs, pagingEntry(n))
				}
				body := `{"events":[` + strings.Join(evs, ",") + `]`
				if c.envelope {
					body += fmt.Sprintf(`,"currentPage":%d,"totalPages":%d,"elementsOnPage":%d,"totalElements":%d`, page, (entries+size-1)/size, len(evs), entries)
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body + "}"))
			}))
			defer srv.Close()
			seen, err := readCounted(t, srv.URL, 3)
			for n := 1; n <= c.want; n++ {
				if seen[fmt.Sprintf("ev-%d", n)] == 0 {
					t.Errorf("ev-%d not read", n)
				}
			}
			if got := asked.Load(); got != int64(c.asked) {
				t.Errorf("%d requests, want %d", got, c.asked)
			}
			var gap *channel.GapError
			switch {
			case c.gapAfter == 0 && err != nil:
				t.Errorf("error %v, want none", err)
			case c.gapAfter != 0 && (!errors.As(err, &gap) || !strings.Contains(err.Error(), c.wantErrStr)):
				t.Errorf("error %v, want a GapError saying %q", err, c.wantErrStr)
			case c.gapAfter != 0 && !gap.After.Equal(time.Date(2025, 3, 10, 8, 0, c.gapAfter, 0, time.UTC)):
				t.Errorf("the gap comes after %s, want after entry %d", gap.After, c.gapAfter)
			}
		})
	}
}

// TestPagingATieOrderedAnotherWay: ev-3 and ev-4 were stored in one
// millisecond, and the log orders that tie one way for page 0 and the
// other way from then on (nothing breaks it): page 1 begins with ev-3
// again, and ev-4 stands where page 0 ended. The pages add up to what the
// log announced, yet ev-4 was never given: the page before is asked for
// again, which gives it. A log that lists an entry twice (as the notes
// allow) costs that one request and changes nothing else.
func TestPagingATieOrderedAnotherWay(t *testing.T) {
	tie := func(n int) string { // ev-3 and ev-4 at 08:00:03.500
		if n == 3 || n == 4 {
			return fmt.Sprintf(`{"id":"ev-%d","eventId":"e-%d","eventTag":"MESSAGE_READ","eventTime":"2025-03-10T08:00:03.500Z","created":"2025-03-10T08:00:03.500Z",`+
				`"metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-0000000000%02d"}}`, n, n, n)
		}
		return pagingEntry(n)
	}
	for _, c := range []struct {
		name  string
		order [2][]int // the log's listing for the first request, and for every later one
		entry func(int) string
		want  map[string]int
		asked int
	}{
		{"a tie ordered another way", [2][]int{{1, 2, 3, 4, 5, 6}, {1, 2, 4, 3, 5, 6}}, tie,
			map[string]int{"ev-1": 1, "ev-2": 1, "ev-3": 2, "ev-4": 1, "ev-5": 1, "ev-6": 1}, 3},
		{"an entry listed twice across pages", [2][]int{{1, 2, 3, 3, 4, 5}, {1, 2, 3, 3, 4, 5}}, pagingEntry,
			map[string]int{"ev-1": 1, "ev-2": 1, "ev-3": 2, "ev-4": 1, "ev-5": 1}, 3},
		{"no shift (control)", [2][]int{{1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6}}, pagingEntry,
			map[string]int{"ev-1": 1, "ev-2": 1, "ev-3": 1, "ev-4": 1, "ev-5": 1, "ev-6": 1}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			const size = 3
			var asked atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order := c.order[min(asked.Add(1)-1, 1)]
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				var evs []string
				for _, n := range order[min(page*size, len(order)):min((page+1)*size, len(order))] {
					evs = append(evs, c.entry(n))
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":2,"elementsOnPage":%d,"totalElements":%d}`,
					strings.Join(evs, ","), page, len(evs), len(order))
			}))
			defer srv.Close()
			seen, err := readCounted(t, srv.URL, size)
			if err != nil {
				t.Errorf("error %v, want none", err)
			}
			if fmt.Sprint(seen) != fmt.Sprint(c.want) {
				t.Errorf("entries given %v, want %v", seen, c.want)
			}
			if got := asked.Load(); got != int64(c.asked) {
				t.Errorf("%d requests, want %d", got, c.asked)
			}
		})
	}
}

// readCounted reads a day of the event log at url (pages of size, no
// retries) and counts how often each entry was given.
func readCounted(t *testing.T, url string, size int) (map[string]int, error) {
	cl := newClient(t, Config{BaseURL: url + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: size, MaxPages: 1000},
		httpclient.Options{MaxRetries: -1})
	seen := map[string]int{}
	err := cl.Events(context.Background(), simStart.AddDate(0, 0, -1), simStart, func(p []channel.FeedEvent) error {
		for _, e := range p {
			seen[e.ID]++
		}
		return nil
	})
	return seen, err
}
