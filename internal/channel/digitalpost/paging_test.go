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
// empty page is the end; a log whose pages never end is an error, not a
// loop.
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
		{name: "pages that never end", pages: [][]int{{1}, {}}, total: "1000000", current: "echo",
			want: []string{"ev-1"}, wantErr: "more than"},
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
