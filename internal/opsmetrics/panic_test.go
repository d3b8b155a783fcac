package opsmetrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/logtest"
	"postvakt/internal/opsmetrics"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// panicking is the store with one read that panics (a driver or a reader
// meeting an answer it did not expect).
type panicking struct {
	*store.Store
	ping, lags bool
}

func (p panicking) Ping(ctx context.Context) error {
	if p.ping {
		var m map[string]int
		m["ping"]++ // assignment to entry in nil map
	}
	return p.Store.Ping(ctx)
}

func (p panicking) PollLags(ctx context.Context, now time.Time) ([]store.PollLag, error) {
	if p.lags {
		var m map[string]int
		m["lags"]++
	}
	return p.Store.PollLags(ctx, now)
}

// TestScrapeWithAPanickingRead: a read of a scrape that panics (it runs
// in a goroutine of its own, store.Within's, where neither promhttp nor
// net/http recovers) is that read's failure, logged with key "error" and
// its stack: the ping's, postvakt_database_up 0; a figure's, its series
// left out and figures_readable 0, the others read. It ended the whole
// process (serve, with every job in it).
func TestScrapeWithAPanickingRead(t *testing.T) {
	st := storetest.Open(t)
	for _, tc := range []struct {
		name     string
		src      panicking
		up       float64
		readable map[string]float64
	}{
		{"ping", panicking{Store: st, ping: true}, 0, map[string]float64{}},
		{"poll lag", panicking{Store: st, lags: true}, 1, map[string]float64{"poll_lag": 0, "notifications": 1, "print_orders": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log, logs := logtest.New()
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(opsmetrics.New(tc.src, log, nil, []string{"svarut"}))
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			up, readable := -1.0, map[string]float64{}
			for _, mf := range mfs {
				for _, m := range mf.GetMetric() {
					switch mf.GetName() {
					case "postvakt_database_up":
						up = m.GetGauge().GetValue()
					case "postvakt_database_figures_readable":
						readable[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
					}
				}
			}
			if up != tc.up || len(readable) != len(tc.readable) {
				t.Fatalf("postvakt_database_up %v, figures_readable %v; want %v, %v", up, readable, tc.up, tc.readable)
			}
			for k, v := range tc.readable {
				if readable[k] != v {
					t.Errorf("figures_readable{figures=%q} = %v, want %v", k, readable[k], v)
				}
			}
			if l := logs.String(); !strings.Contains(l, "error=") || !strings.Contains(l, "assignment to entry in nil map") ||
				!strings.Contains(l, "panic_test.go") {
				t.Errorf("the panic not logged with key error and its stack:\n%s", l)
			}
		})
	}
}
