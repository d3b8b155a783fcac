package altinn

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
)

// TestDiscoverWithoutResourceNamesTheSetting: `postvakt discover --channel
// altinn` without POSTVAKT_ALTINN_RESOURCE_ID ended with "no ResourceID
// configured", a name from the code that no setting has: it names the
// variable to set.
func TestDiscoverWithoutResourceNamesTheSetting(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: "http://127.0.0.1:9", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: "http://127.0.0.1:9", Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	to := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	_, err = c.Discover(context.Background(), to.Add(-24*time.Hour), to)
	if err == nil || !strings.Contains(err.Error(), "POSTVAKT_ALTINN_RESOURCE_ID") {
		t.Errorf("Discover without a resource: %v; want an error naming POSTVAKT_ALTINN_RESOURCE_ID", err)
	}
}
