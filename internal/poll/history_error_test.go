package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/storetest"
)

// TestAltinnHistoryErrorWithNUL: Altinn answers a letter's details
// (Read) without a statusHistory, and the history asked for then fails
// with a problem answer whose title holds a NUL. README: "A history that
// cannot be fetched ... leaves the change in place, is noted once in the
// letter's evidence". The letter must be opened, with the history noted.
func TestAltinnHistoryErrorWithNUL(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour)
	ships := storetest.Register(t, st, altinnLetters(3)...)
	var mu sync.Mutex
	calls := map[string]int{}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	al := altinnAt(t, logger, httpclient.Options{MaxRetries: -1, BreakerThreshold: -1}, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		id := parts[len(parts)-2]
		mu.Lock()
		calls[id]++
		n := calls[id]
		mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		if id == ships[0].ChannelID && n > 1 { // the history asked for separately
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprint(rw, `{"title":"Conflict\u0000","status":409}`)
			return
		}
		fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00Z","status":"Read","statusChanged":"2026-11-20T11:00:00Z","isConfidential":true}`, id)
	}))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	if sum, err := p.Poll(ctx, al); err != nil {
		t.Fatalf("cycle failed: %v (%+v)", err, sum)
	}
	for i, s := range ships {
		var state string
		if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		var msgs []string
		st.DB().Select(&msgs, `SELECT kind || ': ' || left(message, 160) FROM shipment_events WHERE shipment_id = $1 ORDER BY id`, s.ID)
		t.Logf("letter %d: %s %q", i, state, msgs)
		if state != string(model.StateOpened) {
			t.Errorf("letter %d is %s, want opened (the channel said Read; only its history could not be had)", i, state)
		}
	}
	if t.Failed() {
		t.Log(logs.String())
	}
}
