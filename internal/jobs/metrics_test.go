package jobs

import (
	"context"
	"errors"
	"log/slog"
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

// Each job's runs are counted by how they ended, and a success sets its
// last-success time; a cluster-wide job another replica runs, or ran in
// this interval, is skipped here, neither a success nor a failure.
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
	if at := value(t, s.m.lastSuccess.WithLabelValues("good")); at < float64(begin) {
		t.Errorf("good's last success = %v, want at least %d", at, begin)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var jobs []string
	for _, f := range families {
		if f.GetName() == "postvakt_job_last_success_timestamp_seconds" {
			for _, m := range f.GetMetric() {
				jobs = append(jobs, m.GetLabel()[0].GetValue())
			}
		}
	}
	if strings.Join(jobs, ",") != "good" {
		t.Errorf("last-success series for %v, want only good's (bad never succeeded, elsewhere and this-interval never ran here)", jobs)
	}
}
