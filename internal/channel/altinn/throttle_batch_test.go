package altinn

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/httpclient"
)

// TestNotesFakeAltinn429OutlastingTheBatch: Altinn's rate limit (429 with
// a Retry-After the HTTP client would wait out itself, here 3 s) that
// comes when less of the batch's time is left than it asks for (BatchTime
// 1 s) is still the caller's rate limit: Status fails as a whole with an
// error httpclient.Throttled knows, at once, so the poller stops the cycle
// and stays away as long as asked. It was each letter in flight's own
// "no answer within the batch's time" and the rest "not asked" (asked
// again a minute later, whatever the Retry-After), and the call looked
// answered: the poller went on asking the throttling service.
func TestNotesFakeAltinn429OutlastingTheBatch(t *testing.T) {
	f := newNFAltinn(t)
	for i := 1; i <= 6; i++ {
		f.add(&nfCorr{id: nfID(i), history: nfHist("Initialized", "Published")})
	}
	f.srv.Script(func(w http.ResponseWriter, n int) bool {
		if n == 1 {
			return false // the first letter is read
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"title":"Too Many Requests","status":429}`))
		return true
	})
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: f.srv.URL, Logger: log, BackoffBase: time.Millisecond,
		BreakerThreshold: -1, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: f.srv.URL, ResourceID: nfResource, Logger: log, BatchTime: time.Second, Concurrency: 1}, hc, nfTok{})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{nfID(1), nfID(2), nfID(3), nfID(4), nfID(5), nfID(6)}
	start := time.Now()
	obs, err := c.Status(context.Background(), ids)
	took := time.Since(start)
	if _, throttled := httpclient.Throttled(err); !throttled || obs != nil {
		for _, o := range obs {
			t.Logf("%s: %s %v", o.ChannelID, o.State, o.Err)
		}
		t.Fatalf("a 429 whose Retry-After outlasts the batch's time: %v (%d observations), want the call's error that httpclient.Throttled knows", err, len(obs))
	}
	if wait, _ := httpclient.Throttled(err); wait < 2*time.Second {
		t.Errorf("Throttled's wait %s, want the Retry-After's 3 s (less what went by)", wait)
	}
	if took > 900*time.Millisecond {
		t.Errorf("Status took %s: it waited for a Retry-After the batch had no time left for", took)
	}
}
