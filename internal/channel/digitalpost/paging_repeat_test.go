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
			cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, PageSize: 3, MaxPages: 1000},
				httpclient.Options{MaxRetries: -1})
			seen := map[string]int{}
			err := cl.Events(context.Background(), simStart.AddDate(0, 0, -1), simStart, func(p []channel.FeedEvent) error {
				for _, e := range p {
					seen[e.ID]++
				}
				return nil
			})
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
