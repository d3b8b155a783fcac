package opsmetrics_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"postvakt/internal/logtest"
	"postvakt/internal/opsmetrics"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestScrapeBehindALock: while another session holds the letters' table
// locked (a migration, a stuck job), a scrape answers within a few seconds
// instead of waiting for the lock: the poll lag, which reads the letters,
// is left out and postvakt_database_figures_readable{figures="poll_lag"}
// says 0, logged with key "error"; the notifications and the print orders,
// which do not wait on that lock, are read and shown as usual (readable 1).
// Once the lock is gone the next read has the poll lag again.
func TestScrapeBehindALock(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	storetest.Register(t, st, storetest.Letter(1))
	log, logs := logtest.New()
	clock := time.Now()
	c := opsmetrics.New(st, log, func() time.Time { return clock }, []string{"svarut"})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)

	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE shipments IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	mfs, err := reg.Gather()
	took := time.Since(start)
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	if took > 6*time.Second {
		t.Errorf("a scrape behind a lock took %s, want about 3 s (the read's bound)", took)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	if names["postvakt_poll_lag_seconds"] {
		t.Error("a poll lag shown though its read waited behind the lock; want none (not 0)")
	}
	if !names["postvakt_notifications"] || !names["postvakt_print_orders"] {
		t.Errorf("the notifications and print orders, which the lock does not hold, left out: %v", names)
	}
	readable := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == "postvakt_database_figures_readable" {
			for _, m := range mf.GetMetric() {
				readable[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	if readable["poll_lag"] != 0 || readable["notifications"] != 1 || readable["print_orders"] != 1 || len(readable) != 3 {
		t.Errorf("postvakt_database_figures_readable: %v, want poll_lag 0, notifications and print_orders 1", readable)
	}
	if !strings.Contains(logs.String(), "figures=poll_lag") || !strings.Contains(logs.String(), "error=") {
		t.Errorf("the failed read not logged with key error:\n%s", logs.String())
	}

	clock = clock.Add(11 * time.Second) // past the 10 s the figures are kept
	mfs, err = reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	lags := 0
	for _, mf := range mfs {
		if mf.GetName() == "postvakt_poll_lag_seconds" {
			lags = len(mf.GetMetric())
		}
	}
	if lags != 1 {
		t.Errorf("%d poll lag series once the lock is gone, want 1 (svarut)", lags)
	}
}

// TestPollLagOfAChannelNeverPolled: a channel whose poller has not
// recorded one call yet (no channel_activity row: a fresh install, a poll
// job that fails before its first call) whose letters have been due for
// hours shows their lag and count, configured or not (a letter due on a
// channel no longer configured is not hidden): not a lag of 0 and 0 due,
// which would silence PostvaktPollLagging exactly when nothing is polled.
func TestPollLagOfAChannelNeverPolled(t *testing.T) {
	st := storetest.Open(t)
	ships := storetest.Register(t, st, storetest.Letter(1), storetest.Letter(2), storetest.Letter(3))
	now := time.Now()
	storetest.Set(t, st, storetest.IDs(ships), storetest.NextPollAt(now.Add(-2*time.Hour)))
	log, _ := logtest.New()
	for _, tc := range []struct {
		name       string
		configured []string
	}{
		{"configured channel", []string{"svarut"}},
		{"channel no longer configured", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(opsmetrics.New(st, log, func() time.Time { return now }, tc.configured))
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*dto.Metric{}
			for _, mf := range mfs {
				for _, m := range mf.GetMetric() {
					for _, l := range m.GetLabel() {
						if l.GetName() == "channel" && l.GetValue() == "svarut" {
							got[mf.GetName()] = m
						}
					}
				}
			}
			if lag := got["postvakt_poll_lag_seconds"]; lag == nil || lag.GetGauge().GetValue() < 7100 {
				t.Errorf("postvakt_poll_lag_seconds{channel=svarut} = %v; 3 letters have waited 2 h for their poll (want ~7200)", lag.GetGauge())
			}
			if due := got["postvakt_poll_due_letters"]; due == nil || due.GetGauge().GetValue() != 3 {
				t.Errorf("postvakt_poll_due_letters{channel=svarut} = %v; want 3", due.GetGauge())
			}
		})
	}
}

// TestRemovedChannelWithNothingDue: a channel polled once and since
// removed from the configuration (its channel_activity row stays for the
// operations page) with no letter due shows no poll lag and no due
// letters: not a series at 0 for ever, for a channel nothing polls. The
// configured channel shows at 0 as before, and a removed one with letters
// due shows them (TestPollLagOfAChannelNeverPolled).
func TestRemovedChannelWithNothingDue(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Now()
	if err := st.RecordChannelCalls(ctx, store.ChannelCalls{Channel: "altinn", At: now.Add(-24 * time.Hour), Calls: 3}); err != nil {
		t.Fatal(err)
	}
	log, _ := logtest.New()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(opsmetrics.New(st, log, func() time.Time { return now }, []string{"svarut"}))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postvakt_poll_lag_seconds", "postvakt_poll_due_letters"} {
		var channels []string
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "channel" {
						channels = append(channels, l.GetValue())
					}
				}
			}
		}
		if !slices.Equal(channels, []string{"svarut"}) {
			t.Errorf("%s for channels %v, want [svarut] (altinn is no longer configured and has nothing due)", name, channels)
		}
	}
}
