package altinn

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/logtest"
)

// TestDiscoverSkippedIDLoggedMasked: a search answer's id that is no UUID
// is skipped and logged; a national id in its place is Altinn's (or a
// proxy's) text from outside, and is logged masked, as every other value
// the adapter logs from an answer is. Before, it went to the log in clear.
func TestDiscoverSkippedIDLoggedMasked(t *testing.T) {
	const fnr = "01017012345"
	id := "5d1f3a2e-8c4b-4e6f-9a1b-000000000001"
	f, srv := newRevFake(t)
	f.search = jsonAnswer(`{"ids":["` + fnr + `","` + id + `"]}`)
	f.details[id] = jsonAnswer(revDetails(id, "Read", "2025-03-02T09:00:00+00:00", [2]string{"Read", "2025-03-02T09:00:00+00:00"}))
	log, buf := logtest.New()
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: srv.URL, ResourceID: "nf-taushetsbelagt", Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	found, err := c.Discover(context.Background(), time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC))
	if err != nil || len(found) != 1 || found[0].ChannelID != id {
		t.Fatalf("found %v, %v; want the one UUID", found, err)
	}
	if out := buf.String(); strings.Contains(out, fnr) || !strings.Contains(out, "non-UUID") || !strings.Contains(out, "010170*****") {
		t.Errorf("the log names the skipped id in clear, or not at all:\n%s", out)
	}
}
