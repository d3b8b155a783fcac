package digitalpost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// pagingEntry is the paging tests' entry n (below 60): id ev-n, a
// MESSAGE_READ of its own letter, made and stored at 08:00:n on 10 March
// 2025.
func pagingEntry(n int) string {
	return fmt.Sprintf(`{"id":"ev-%d","eventId":"e-%d","eventTag":"MESSAGE_READ","eventTime":"2025-03-10T08:00:%02dZ","created":"2025-03-10T08:00:%02dZ",`+
		`"metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-0000000000%02d"}}`, n, n, n, n, n)
}

// TestPagingFollowsTotalPages: the read goes on to the last page the log
// announces, also past an empty page (a log that caps or filters its
// pages, or is still indexing, may answer one); without totalPages an
// empty page is the end; a log whose pages never end ends at the read's
// bound on pages with a gap, not a loop.
func TestPagingFollowsTotalPages(t *testing.T) {
	for _, c := range []struct {
		name    string
		pages   [][]int // the entries of each page
		total   string  // the totalPages field ("" = left out)
		elems   string  // the totalElements field ("" = left out)
		current string  // currentPage: "echo" (the page asked), a number, or "" (left out)
		want    []string
		asked   int    // pages requested (0: not checked)
		wantErr string // "" = none
		gap     int    // a GapError after entry gap (-1: a gap with nothing read before it; 0: no gap)
	}{
		{name: "an empty page in the middle (asked twice)", pages: [][]int{{1, 2}, {}, {3}}, total: "3", current: "echo",
			want: []string{"ev-1", "ev-2", "ev-3"}, asked: 4, wantErr: "page 1 of 3 came back empty", gap: 2},
		{name: "two empty pages, then entries", pages: [][]int{{1}, {}, {}, {4}}, total: "4", current: "echo",
			want: []string{"ev-1", "ev-4"}, asked: 6, wantErr: "page 1 of 4 came back empty", gap: 1},
		{name: "no totalPages: an empty page ends", pages: [][]int{{1}, {2}, {}, {4}},
			want: []string{"ev-1", "ev-2"}, asked: 3},
		{name: "totalPages without currentPage", pages: [][]int{{1}, {}, {3}}, total: "3",
			want: []string{"ev-1", "ev-3"}, asked: 4, wantErr: "came back empty", gap: 1},
		{name: "a currentPage stuck at 0", pages: [][]int{{1}, {}, {3}}, total: "3", current: "0",
			want: []string{"ev-1", "ev-3"}, asked: 4, wantErr: "came back empty", gap: 1},
		{name: "the first page empty, more announced", pages: [][]int{{}, {2}}, total: "2", current: "echo",
			want: []string{"ev-2"}, asked: 3, wantErr: "page 0 of 2 came back empty", gap: -1},
		{name: "the last page full", pages: [][]int{{1}, {2}}, total: "2", current: "echo",
			want: []string{"ev-1", "ev-2"}, asked: 2},
		// Pages that never end stop at the read's bound on pages: a gap
		// after the last entry read, from which the poller reads on.
		{name: "pages that never end", pages: [][]int{{1}, {}}, total: "1000000", current: "echo",
			want: []string{"ev-1"}, wantErr: "more than", gap: 1},
		{name: "fewer entries than announced", pages: [][]int{{1, 2}, {3, 4}, {5}}, total: "3", elems: "6", current: "echo",
			want: []string{"ev-1", "ev-2", "ev-3", "ev-4", "ev-5"}, asked: 3, wantErr: "announced 6 entries and gave 5", gap: -1},
		// The count says how many the empty page left out: as many as a
		// page holds, the gap stands after its last entry; more, some
		// were left out where no page showed (perhaps before it), and
		// the gap has no place (the poller holds the window's start).
		{name: "an empty page, the count short by a page", pages: [][]int{{1, 2}, {}, {5}}, total: "3", elems: "5", current: "echo",
			want: []string{"ev-1", "ev-2", "ev-5"}, asked: 4, wantErr: "page 1 of 3 came back empty", gap: 2},
		{name: "an empty page, the count short by more", pages: [][]int{{1, 2}, {}, {5}}, total: "3", elems: "6", current: "echo",
			want: []string{"ev-1", "ev-2", "ev-5"}, asked: 4, wantErr: "came back empty; the log announced 6 entries and gave 3", gap: -1},
		{name: "a short page in the middle", pages: [][]int{{1, 2}, {3}, {4, 5}}, total: "3", current: "echo",
			want: []string{"ev-1", "ev-2", "ev-3", "ev-4", "ev-5"}, asked: 3, wantErr: "page 1 of 3 came back with 1 entries", gap: 2},
		{name: "more than announced (entries stored meanwhile)", pages: [][]int{{1, 2}, {3, 4}}, total: "2", elems: "3", current: "echo",
			want: []string{"ev-1", "ev-2", "ev-3", "ev-4"}, asked: 2},
		// A currentPage counted from 1 (the notes say page is zero-based;
		// a log or fake may still number its answer from 1): the pages
		// asked for, not the number the answer gives itself, say where
		// the read stands, so the last page is read.
		{name: "a currentPage counted from 1", pages: [][]int{{1, 2}, {3, 4}, {5}}, total: "3", elems: "5", current: "plus1",
			want: []string{"ev-1", "ev-2", "ev-3", "ev-4", "ev-5"}, asked: 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			asked := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p, _ := strconv.Atoi(r.URL.Query().Get("page"))
				mu.Lock()
				asked++
				mu.Unlock()
				var evs []string
				if p < len(c.pages) {
					for _, n := range c.pages[p] {
						evs = append(evs, pagingEntry(n))
					}
				}
				body := `{"events":[` + strings.Join(evs, ",") + `]`
				if c.total != "" {
					body += `,"totalPages":` + c.total
				}
				if c.elems != "" {
					body += `,"totalElements":` + c.elems
				}
				switch c.current {
				case "":
				case "echo":
					body += `,"currentPage":` + strconv.Itoa(p)
				case "plus1":
					body += `,"currentPage":` + strconv.Itoa(p+1)
				default:
					body += `,"currentPage":` + c.current
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body + "}"))
			}))
			defer srv.Close()
			cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, MaxPages: 20},
				httpclient.Options{MaxRetries: -1})
			var got []string
			marks := 0 // pages of no entries: the mark of a gap
			err := cl.Events(context.Background(), simStart.AddDate(0, 0, -1), simStart, func(p []channel.FeedEvent) error {
				if len(p) == 0 {
					marks++
				}
				for _, e := range p {
					got = append(got, e.ID)
				}
				return nil
			})
			if wantMarks := map[bool]int{true: 1}[strings.Contains(c.wantErr, "came back") || c.name == "pages that never end"]; marks != wantMarks {
				t.Errorf("%d gap marks given, want %d", marks, wantMarks)
			}
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
			var gap *channel.GapError
			switch {
			case c.gap == 0 && errors.As(err, &gap):
				t.Errorf("a gap where there is none: %v", err)
			case c.gap != 0 && (!errors.As(err, &gap) || !errors.Is(err, channel.ErrIncomplete)):
				t.Errorf("%v, want a GapError (ErrIncomplete)", err)
			case c.gap > 0 && !gap.After.Equal(time.Date(2025, 3, 10, 8, 0, c.gap, 0, time.UTC)),
				c.gap < 0 && !gap.After.IsZero():
				t.Errorf("the gap comes after %s, want after entry %d", gap.After, c.gap)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("read %v, want %v", got, c.want)
			}
			if c.asked > 0 && asked != c.asked {
				t.Errorf("%d pages asked for, want %d", asked, c.asked)
			}
		})
	}
}

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
