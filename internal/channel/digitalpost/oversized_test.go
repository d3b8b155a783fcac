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

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

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
