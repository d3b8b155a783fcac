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
// client reads makes every page holding it too large. The read asks for
// the same entries in smaller pages, down to that entry alone, which
// becomes its own error; every other entry is read, in order, and the read
// ends as usual (one letter never holds back another).
func TestOversizedEntryIsSkippedAlone(t *testing.T) {
	const n, huge = 14, 7
	entry := func(i int) string {
		pad := ""
		if i == huge {
			pad = `,"label":"` + strings.Repeat("x", 6000) + `"`
		}
		return fmt.Sprintf(`{"id":"ev-%02d","eventTag":"MESSAGE_READ","eventTime":"2025-03-10T08:00:%02dZ","created":"2025-03-10T08:00:%02dZ",`+
			`"metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-0000000000%02d"%s}}`, i, i, i, i, pad)
	}
	var sizes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		sizes = append(sizes, r.URL.Query().Get("size"))
		var evs []string
		for i := page * size; i < min((page+1)*size, n); i++ {
			evs = append(evs, entry(i))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":%d,"totalElements":%d}`,
			strings.Join(evs, ","), page, (n+size-1)/size, n)
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
		t.Fatalf("the read failed: %v (page sizes asked %v)", err, sizes)
	}
	var want []string
	for i := 0; i < n; i++ {
		if i != huge {
			want = append(want, fmt.Sprintf("ev-%02d", i))
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || bad != 1 {
		t.Errorf("read %v and %d bad, want %v and 1 bad (page sizes asked %v)", got, bad, want, sizes)
	}
}
