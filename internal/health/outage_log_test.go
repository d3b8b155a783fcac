package health_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/health"
	"postvakt/internal/logtest"
	"postvakt/internal/pgtest"
	"postvakt/internal/storetest"
)

// TestCollectorOutageLoggedOnce: while the firing alerts cannot be read
// (the database is away), the scrapes log it once at Error, not at every
// scrape (every 10 s at most, per replica, for as long as the outage
// lasts), as /readyz does; the first read after it says so once at Info.
func TestCollectorOutageLoggedOnce(t *testing.T) {
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	log, logs := logtest.New()
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(health.NewCollector(st, log, func() time.Time { return clock }))
	scrape := func() {
		t.Helper()
		clock = clock.Add(11 * time.Second) // past the 10 s a read is kept
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	scrape()
	back := pgtest.Unreachable(t, db)
	for range 4 {
		scrape()
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("4 scrapes without the database logged %d lines at Error, want 1:\n%s", n, logs.String())
	}
	back()
	scrape()
	scrape()
	logtest.Says(t, "the database back", logs.String(), []string{`level=INFO msg="metrics: firing health alerts read again"`,
		"failed_scrapes=4", "down_for=44s"}, nil)
	if n := strings.Count(logs.String(), "read again"); n != 1 {
		t.Errorf("the end of the outage logged %d times, want once:\n%s", n, logs.String())
	}
}
