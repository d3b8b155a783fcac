package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// value reads a counter's or gauge's value.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// gathered is every series of reg's metric name by its task label.
func gathered(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			task := ""
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case taskLabel:
					task = l.GetValue()
				case "job", "instance": // Prometheus' target labels: it would rename ours to exported_job
					t.Errorf("%s carries the label %s, which Prometheus sets on every series it scrapes", f.GetName(), l.GetName())
				}
			}
			if f.GetName() == name {
				out[task] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// Each job's runs are counted by how they ended, and a success sets its
// last-success time; a cluster-wide job another replica runs, or ran in
// this interval, is skipped here, neither a success nor a failure. Until a
// run of a job succeeds, its last success is when it was scheduled.
func TestJobMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	locks := &fakeLocker{
		held:         map[string]bool{"elsewhere": true},     // another replica holds it
		ranElsewhere: map[string]bool{"this-interval": true}, // another replica ran it this interval
	}
	s := New(slog.New(slog.DiscardHandler), locks)
	if err := s.Instrument(reg); err != nil {
		t.Fatal(err)
	}
	added := time.Now().Unix()
	s.add(fast{}, "good", func(context.Context) error { return nil })
	s.add(fast{}, "bad", func(context.Context) error { return errors.New("refused") })
	s.addOnce(fast{}, "elsewhere", func(context.Context) error { return nil })
	s.addOnce(fast{}, "this-interval", func(context.Context) error { return nil })
	begin := time.Now().Unix()
	s.Start()
	runs := func(job, outcome string) float64 {
		return value(t, s.m.runs.WithLabelValues(job, outcome))
	}
	waitFor(t, "runs of every job", func() bool {
		return runs("good", outcomeOK) >= 2 && runs("bad", outcomeFailed) >= 2 && runs("elsewhere", outcomeSkipped) >= 2 &&
			runs("this-interval", outcomeSkipped) >= 2
	})
	s.Stop(time.Second)
	for _, tc := range []struct{ job, outcome string }{
		{"good", outcomeFailed}, {"good", outcomeSkipped}, {"bad", outcomeOK}, {"elsewhere", outcomeOK}, {"elsewhere", outcomeFailed},
		{"this-interval", outcomeOK}, {"this-interval", outcomeFailed},
	} {
		if n := runs(tc.job, tc.outcome); n != 0 {
			t.Errorf("%s counted %v %s runs", tc.job, n, tc.outcome)
		}
	}
	if iv := value(t, s.m.interval.WithLabelValues("good")); iv != 0.01 {
		t.Errorf("good's interval = %v s, want its schedule's 0.01", iv)
	}
	last := gathered(t, reg, "postvakt_job_last_success_timestamp_seconds")
	for _, tc := range []struct {
		job       string
		succeeded bool
	}{{"good", true}, {"bad", false}, {"elsewhere", false}, {"this-interval", false}} {
		at, ok := last[tc.job]
		switch {
		case !ok:
			t.Errorf("no last-success series for %s: the alert on a job without a success could not judge it", tc.job)
		case tc.succeeded && at < float64(begin):
			t.Errorf("%s's last success = %v, want at least %d (its runs)", tc.job, at, begin)
		case !tc.succeeded && (at < float64(added) || at > float64(begin)):
			t.Errorf("%s never succeeded here: last success = %v, want when it was scheduled (%d–%d)", tc.job, at, added, begin)
		}
	}
	if len(last) != 4 {
		t.Errorf("last-success series for %v, want the 4 jobs'", last)
	}
}

// TestJobNeverSucceededIsLate: the shipped PostvaktJobNotSucceeding,
//
//	time() - max by (task) (postvakt_job_last_success_timestamp_seconds) > 3 * max by (task) (postvakt_job_interval_seconds)
//
// fires for a job that failed at every run since the replica started (a
// release that broke the escalation), once more than three of its
// intervals went by: it has a last-success series to judge from the start.
func TestJobNeverSucceededIsLate(t *testing.T) {
	rules, err := os.ReadFile("../../docs/prometheus-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rules), "time() - max by (task) (postvakt_job_last_success_timestamp_seconds)") ||
		!strings.Contains(string(rules), "> 3 * max by (task) (postvakt_job_interval_seconds)") {
		t.Fatal("the shipped PostvaktJobNotSucceeding rule changed; revisit this test")
	}
	reg := prometheus.NewRegistry()
	s := New(slog.New(slog.DiscardHandler), &fakeLocker{})
	if err := s.Instrument(reg); err != nil {
		t.Fatal(err)
	}
	s.add(fast{}, "escalate", func(context.Context) error { return errors.New("the SMTP relay refuses us") })
	s.Start()
	waitFor(t, "failed runs", func() bool { return value(t, s.m.runs.WithLabelValues("escalate", outcomeFailed)) >= 10 })
	s.Stop(time.Second)
	now := float64(time.Now().UnixNano()) / 1e9
	iv, ok := gathered(t, reg, "postvakt_job_interval_seconds")["escalate"]
	if !ok {
		t.Fatal("no interval series")
	}
	last, ok := gathered(t, reg, "postvakt_job_last_success_timestamp_seconds")["escalate"]
	if !ok || now-last <= 3*iv {
		t.Errorf("PostvaktJobNotSucceeding does not fire for escalate, failed at every run over more than 3 intervals (%v s each): "+
			"postvakt_job_last_success_timestamp_seconds{task=\"escalate\"} present=%v value=%v", iv, ok, last)
	}
}
