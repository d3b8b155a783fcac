package digitalpost

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// TestLookupIgnoresItsOwnSearches: every events/ query is logged as an
// EVENT_LOG_SEARCHES entry (the notes: ignore it). One that names the
// messageUUID searched for is found by the next look-up of that letter;
// it is no other letter's entry, so it neither says the log ignored the
// filter (a warning sending the operator after a fault that is not there)
// nor counts towards a look-up the log is taken to have ignored.
func TestLookupIgnoresItsOwnSearches(t *testing.T) {
	l := newNFLog(t)
	l.searchNames = true
	letter := nfLetter(77)
	l.add("MEMO_SEND_RECEIVED", letter, nfT0)
	l.add("MEMO_AVAILABLE_TO_RECIPIENT", letter, nfT0.Add(time.Minute))
	var logged bytes.Buffer
	cfg := Config{BaseURL: l.srv.URL + "/apis/v1", SystemID: nfSystem, APIToken: nfToken, Logger: slog.New(slog.NewTextHandler(&logged, nil))}
	c := newClient(t, cfg, httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1, BreakerThreshold: -1})
	for range 3 {
		obs, err := c.Status(context.Background(), []string{letter})
		if err != nil {
			t.Fatal(err)
		}
		if obs[0].Err != nil || obs[0].State != model.StateAvailable {
			t.Fatalf("state %q (err %v), want available", obs[0].State, obs[0].Err)
		}
	}
	if strings.Contains(logged.String(), "other letters") || strings.Contains(logged.String(), "ignored") {
		t.Errorf("the look-ups' own search entries were taken for other letters':\n%s", logged.String())
	}
}
