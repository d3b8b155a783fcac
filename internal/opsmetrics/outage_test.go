package opsmetrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/logtest"
	"postvakt/internal/opsmetrics"
	"postvakt/internal/pgtest"
	"postvakt/internal/storetest"
)

// TestDatabaseOutageLoggedOnce: while the database is away, the scrapes
// (Prometheus' every 10 to 30 s, each replica's) log the outage once at
// Error, not at every scrape (an outage of an hour was hundreds of lines
// per replica), as /readyz does; the first scrape that reads it again says
// so once at Info.
func TestDatabaseOutageLoggedOnce(t *testing.T) {
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	log, logs := logtest.New()
	clock := time.Now()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(opsmetrics.New(st, log, func() time.Time { return clock }, []string{"svarut"}))
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
	logtest.Says(t, "the database back", logs.String(), []string{`level=INFO msg="metrics: the database answers again"`,
		"failed_scrapes=4", "down_for=44s"}, nil)
	if n := strings.Count(logs.String(), "answers again"); n != 1 {
		t.Errorf("the end of the outage logged %d times, want once:\n%s", n, logs.String())
	}
}
