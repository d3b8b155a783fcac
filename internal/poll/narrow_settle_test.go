package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/channel"
	"postvakt/internal/health"
	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/policy"
	"postvakt/internal/poll"
	"postvakt/internal/store"
)

// TestOneBadLetterIsNoChannelOutage: SvarUt failing a status-sok whenever
// it carries one broken letter's id is narrowed down to that letter, and
// the failed calls on the way (the batch, each part holding the letter)
// are the letter's, not the channel's: no failed call in the channel's
// activity (what channel_silent and the operations page read), outcome
// "letter" in postvakt_poll_calls_total. They counted as failed: one letter
// made a dozen failed calls every cycle and IT operations saw SvarUt
// failing. A call that fails and then is answered on its parts (a passing
// 502), or an outage, is still the channel's failed call.
func TestOneBadLetterIsNoChannelOutage(t *testing.T) {
	for _, c := range []struct {
		name                    string
		ch                      *batchy
		failed, letter, errored bool // want failed calls in the activity; "letter" calls; "error" calls
		silent                  bool // want channel_silent to fire
	}{
		{name: "one broken letter", ch: &batchy{poison: map[string]bool{"id-3": true}, answer: lest}, letter: true},
		{name: "a passing 502", ch: &batchy{failNext: 1, answer: lest}, failed: true, errored: true},
		{name: "SvarUt down", ch: &batchy{down: &httpclient.StatusError{StatusCode: 503, Body: []byte("Service Unavailable")}, answer: lest},
			failed: true, errored: true, silent: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st, _ := registered(t, 40)
			reg := prometheus.NewRegistry()
			var logs bytes.Buffer
			p := poll.New(st, slog.New(slog.NewTextHandler(&logs, nil)), poll.Options{Now: func() time.Time { return t0 }, Workers: 1,
				Activity: st, Metrics: poll.NewMetrics(reg)})
			sum, _ := p.Cycle(ctx, c.ch)
			cfg := policy.DefaultHealth()
			cfg.ChannelSilent.MinCalls = 1
			act, alert := channelSeen(t, st, cfg, "svarut", t0.Add(-time.Hour), t0.Add(time.Minute))
			silent := alert != ""
			calls := func(outcome string) float64 { return callsCounted(t, reg, "svarut", outcome) }
			t.Logf("%+v; activity %d calls, %d failed; metrics ok %v, error %v, letter %v; channel_silent %v",
				sum, act.Calls, act.Errors, calls("ok"), calls("error"), calls("letter"), silent)
			if act.Calls != sum.Calls || act.Calls < 2 || (act.Errors > 0) != c.failed || act.Errors != sum.Failed {
				t.Errorf("activity: %d calls, %d failed (cycle: %d, %d); want failed calls: %v", act.Calls, act.Errors, sum.Calls, sum.Failed, c.failed)
			}
			if (calls("letter") > 0) != c.letter || (calls("error") > 0) != c.errored ||
				int(calls("ok")+calls("error")+calls("letter")) != sum.Calls || int(calls("error")) != sum.Failed {
				t.Errorf("metrics: ok %v, error %v, letter %v of %d calls; want letter %v, error %v (%d)",
					calls("ok"), calls("error"), calls("letter"), sum.Calls, c.letter, c.errored, sum.Failed)
			}
			if silent != c.silent {
				t.Errorf("channel_silent fired: %v, want %v", silent, c.silent)
			}
		})
	}
}

// TestPollSeriesFromTheSchedule: a scheduled channel's call and result
// series show at 0 before its first call, so that the first failed call
// is an increase (PostvaktPollCallsFailing's rate, an increase() of
// results): a series born at 1 has none.
func TestPollSeriesFromTheSchedule(t *testing.T) {
	reg := prometheus.NewRegistry()
	p := poll.New(nil, slog.New(slog.DiscardHandler), poll.Options{Metrics: poll.NewMetrics(reg)})
	if err := p.Schedule(jobs.New(slog.New(slog.DiscardHandler), nil), "@every 1h", []channel.Adapter{&batchy{answer: lest}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"ok", "error", "letter"} {
		if v, ok := counter(t, reg, "postvakt_poll_calls_total", map[string]string{"channel": "svarut", "outcome": o}); !ok || v != 0 {
			t.Errorf("postvakt_poll_calls_total{outcome=%q} = %v (present %v) before any call, want 0", o, v, ok)
		}
	}
	for _, k := range []string{"state", "error", "unknown", "unwritable", "untrusted"} {
		if v, ok := counter(t, reg, "postvakt_poll_results_total", map[string]string{"channel": "svarut", "kind": k}); !ok || v != 0 {
			t.Errorf("postvakt_poll_results_total{kind=%q} = %v (present %v) before any cycle, want 0", k, v, ok)
		}
	}
}

// channelSeen is a channel's activity from since to at, as the health
// rules read it, and the summary of the channel_silent alert cfg's rule
// gives it at at ("" for none).
func channelSeen(t *testing.T, st *store.Store, cfg *policy.Health, ch string, since, at time.Time) (store.ChannelActivity, string) {
	t.Helper()
	ctx := context.Background()
	acts, err := st.ChannelActivities(ctx, since, at)
	if err != nil {
		t.Fatal(err)
	}
	var act store.ChannelActivity
	for _, a := range acts {
		if a.Channel == ch {
			act = a
		}
	}
	facts, err := (&health.Evaluator{Store: st, Config: cfg}).Gather(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, cond := range health.ChannelSilent(cfg.ChannelSilent, facts) {
		if cond.Labels["channel"] == ch {
			return act, cond.Summary
		}
	}
	return act, ""
}

// callsCounted is postvakt_poll_calls_total{channel=ch,outcome} in reg.
func callsCounted(t *testing.T, reg *prometheus.Registry, ch, outcome string) float64 {
	t.Helper()
	v, _ := counter(t, reg, "postvakt_poll_calls_total", map[string]string{"channel": ch, "outcome": outcome})
	return v
}

// counter is the value of the counter name{labels} in reg, and whether
// reg exports that series.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if maps.Equal(got, labels) {
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}
