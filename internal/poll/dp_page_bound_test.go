package poll_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"postvakt/internal/channel/digitalpost"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// TestDPLogWindowPastThePageBound: a day's window holding more entries
// than one read's pages reach (MaxPages; here 3 pages of 10 for 120
// entries) is read on from the last entry of each read, in the same cycle:
// every entry is kept once and every letter ends as its entries say. The
// read ended with "too many pages", the cursor stayed, and each cycle read
// the same 30 entries again.
func TestDPLogWindowPastThePageBound(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Minute)
	l := &dpLog{cap: 10}
	w := newRevWorld(t, l, 0, start.Add(-time.Minute))
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	hc, err := httpclient.New(httpclient.Options{Name: "digitalpost", BaseURL: srv.URL + "/apis/v1", MaxRetries: -1, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	w.dp, err = digitalpost.New(digitalpost.Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6",
		APIToken: "tok", PageSize: 10, MaxPages: 3, Logger: slog.New(slog.DiscardHandler)}, hc)
	if err != nil {
		t.Fatal(err)
	}
	const letters = 40
	w.register(t, letters, start)
	want := map[string]model.State{}
	for i := range letters {
		for j, tag := range []string{"MEMO_SEND_RECEIVED", "MEMO_AVAILABLE_TO_RECIPIENT", "MESSAGE_READ"} {
			l.add(fmt.Sprintf("pb-%d-%d", i, j), tag, dpLetter(i), start.Add(time.Duration(i*3+j)*time.Second))
		}
		want[dpLetter(i)] = model.StateOpened
	}
	w.advance(10 * time.Minute)
	w.cycles(t, 1, time.Minute)
	w.check(t, want)
}
