package altinn

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
	"postvakt/internal/model"
)

// TestStatusOversizedOnEveryLetter: an answer over the size cap is one
// letter's ErrFailing among others read (TestPerLetterAnswers); on every
// letter of the call (a proxy streaming something else, a service
// answering without end) it is Altinn failing on each, as a page or a 5xx
// on every letter is: a *channel.AllFailedError, which the poller records
// as the channel's failure unless Altinn answers about a letter it
// answered before. Before, the call counted as answered, every letter its
// own error and backoff.
func TestStatusOversizedOnEveryLetter(t *testing.T) {
	ids := []string{"5d1f3a2e-8c4b-4e6f-9a1b-000000000001", "5d1f3a2e-8c4b-4e6f-9a1b-000000000002", "5d1f3a2e-8c4b-4e6f-9a1b-000000000003"}
	huge := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, basePath+"/"), "/details")
		if huge[id] {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"correspondenceId":"` + id + `","content":{"messageBody":"` + strings.Repeat("x", 8<<10) + `"}}`))
			return
		}
		jsonAnswer(revDetails(id, "Read", "2025-03-02T09:00:00+00:00", [2]string{"Published", "2025-03-01T08:00:00+00:00"},
			[2]string{"Read", "2025-03-02T09:00:00+00:00"}))(w, r)
	}))
	t.Cleanup(srv.Close)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, Logger: slog.New(slog.DiscardHandler),
		Clock: &spectest.Clock{}, MaxBodyBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: srv.URL, ResourceID: "kommune-taushetsbelagt-post", Logger: slog.New(slog.DiscardHandler)}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}

	huge[ids[1]] = true
	obs, err := c.Status(context.Background(), ids)
	if err != nil {
		t.Fatalf("one letter's oversized answer failed the call: %v", err)
	}
	for i, o := range obs {
		switch {
		case i == 1 && !errors.Is(o.Err, channel.ErrFailing):
			t.Errorf("the oversized letter: %v, want ErrFailing", o.Err)
		case i != 1 && (o.Err != nil || o.State != model.StateOpened):
			t.Errorf("letter %d: %s %v, want opened", i+1, o.State, o.Err)
		}
	}

	for _, id := range ids {
		huge[id] = true
	}
	obs, err = c.Status(context.Background(), ids)
	var each *channel.AllFailedError
	if !errors.As(err, &each) || obs != nil {
		t.Fatalf("every letter oversized: %v, %v; want the call's *channel.AllFailedError", obs, err)
	}
	if len(each.Obs) != len(ids) || !strings.Contains(err.Error(), "over the size cap") {
		t.Errorf("%v (%d observations); want each letter's and the cap named", err, len(each.Obs))
	}
	for _, o := range each.Obs {
		if !errors.Is(o.Err, channel.ErrFailing) {
			t.Errorf("%s: %v, want ErrFailing", o.ChannelID, o.Err)
		}
	}
}
