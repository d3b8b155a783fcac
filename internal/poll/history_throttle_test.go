package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/poll"
	"postvakt/internal/storetest"
)

// Altinn answers every letter's details (the status) without a
// statusHistory; the history asked for then is answered 429 with
// Retry-After: 3600. The rate limit is the channel's, not one letter's: the
// cycle asks no further history (what was in flight may still come back),
// and every letter waits the hour before it is asked again.
func TestHistory429StopsAskingTheChannel(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	const n = 24
	storetest.Register(t, st, altinnLetters(n)...)
	var mu sync.Mutex
	seen := map[string]int{}
	var throttled atomic.Int64
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	al := altinnAt(t, logger, httpclient.Options{}, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		id := parts[len(parts)-2]
		mu.Lock()
		seen[id]++
		k := seen[id]
		mu.Unlock()
		if k > 1 { // the history asked for separately
			throttled.Add(1)
			rw.Header().Set("Content-Type", "application/problem+json")
			rw.Header().Set("Retry-After", "3600")
			rw.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(rw, `{"title":"Too Many Requests","status":429}`)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00Z","status":"Published","statusChanged":"2026-11-20T11:00:00Z","isConfidential":true}`, id)
	}))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	p.Poll(ctx, al) //nolint:errcheck
	first := throttled.Load()
	if first > 4 { // what was in flight (History: 4 workers) may still be asked
		t.Errorf("the channel answered 429 Retry-After: 3600 to a history request, and the cycle asked %d more histories", first-1)
	}
	early := 0
	var ids []string
	if err := st.DB().Select(&ids, `SELECT shipment_id FROM poll_queue`); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if next.Before(now.Add(time.Hour)) {
			early++
		}
	}
	if early > 0 {
		t.Errorf("%d of %d letters are asked again before the hour the channel's 429 asked for", early, n)
	}
}
