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
