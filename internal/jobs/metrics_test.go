package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"postvakt/internal/logtest"
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
//	min by (task) (postvakt_job_ticks_since_success) >= 3
//
// fires for a job that failed at every run since the replica started (a
// release that broke the escalation), once three of its ticks went by: it
// has a series to judge from the start.
func TestJobNeverSucceededIsLate(t *testing.T) {
	rules, err := os.ReadFile("../../docs/prometheus-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rules), "min by (task) (postvakt_job_ticks_since_success) >= 3") {
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
	if n, ok := gathered(t, reg, "postvakt_job_ticks_since_success")["escalate"]; !ok || n < 3 {
		t.Errorf("PostvaktJobNotSucceeding does not fire for escalate, failed at every run of 10 and more: "+
			"postvakt_job_ticks_since_success{task=\"escalate\"} present=%v value=%v", ok, n)
	}
}

// TestTicksSinceSuccess: a job is judged by the ticks its schedule had
// since its last success, counted at the scrape: a nightly job across the
// autumn clock change (a replica started the day before, TZ Europe/Oslo)
// and an office-hours one over the weekend are not late; one that missed
// three ticks is, and a success counts from its end.
func TestTicksSinceSuccess(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, oslo) }
	for _, tc := range []struct {
		name, spec   string
		scheduled    time.Time
		success, now time.Time // success zero: none yet
		want         float64
	}{
		{"nightly across winter time, the night after", "30 2 * * *", at(2027, 10, 30, 12, 0), at(2027, 10, 31, 2, 31), at(2027, 10, 31, 23, 0), 0},
		// robfig/cron ticks at both 02:30 of the night the clocks go back,
		// and the scheduler runs the job at both: three ticks.
		{"nightly across winter time, no success", "30 2 * * *", at(2027, 10, 30, 12, 0), time.Time{}, at(2027, 11, 1, 12, 0), 3},
		{"office hours, saturday noon", "*/15 7-16 * * 1-5", at(2026, 12, 4, 8, 0), at(2026, 12, 4, 16, 45), at(2026, 12, 5, 12, 0), 0},
		{"office hours, monday after a broken weekend release", "*/15 7-16 * * 1-5", at(2026, 12, 5, 9, 0), time.Time{}, at(2026, 12, 7, 7, 31), 3},
		{"every five minutes, failing for a quarter", "*/5 * * * *", at(2026, 12, 1, 0, 0), at(2026, 12, 1, 10, 0), at(2026, 12, 1, 10, 16), 3},
		{"every minute, failing for a week: bounded", "* * * * *", at(2026, 12, 1, 0, 0), time.Time{}, at(2026, 12, 8, 0, 0), maxTicksCounted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sched, err := Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			s := New(nil, nil)
			if err := s.Instrument(reg); err != nil {
				t.Fatal(err)
			}
			s.m.since.now = func() time.Time { return tc.now }
			s.m.scheduled("job", sched, tc.scheduled)
			if !tc.success.IsZero() {
				s.m.ran("job", outcomeOK, tc.success.Add(-time.Second), time.Second)
			}
			s.m.ran("job", outcomeFailed, tc.now.Add(-time.Second), time.Second)
			if got := gathered(t, reg, "postvakt_job_ticks_since_success")["job"]; got != tc.want {
				t.Errorf("ticks since success = %v, want %v", got, tc.want)
			}
		})
	}
}

// A run that panics is a failed run, as one that returns an error is:
// counted as failed (a rule on postvakt_job_runs_total{outcome="failed"}
// sees it), its duration set, and logged on one line with the job's name
// and the panic. Before, robfig/cron's Recover logged "scheduled job:
// panic" with a stack and no job name, and the run was counted nowhere.
func TestPanicIsAFailedRun(t *testing.T) {
	var logs logtest.Buffer
	s := New(slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err := s.Instrument(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	s.add(fast{}, "boom", func(context.Context) error {
		runs.Add(1)
		panic("kaboom")
	})
	s.Start()
	waitFor(t, "two runs", func() bool { return runs.Load() >= 2 })
	s.Stop(time.Second)
	if n := value(t, s.m.runs.WithLabelValues("boom", outcomeFailed)); n < 2 {
		t.Errorf("%v failed runs counted after %d panics", n, runs.Load())
	}
	var named bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "kaboom") && strings.Contains(line, "job=boom") && strings.Contains(line, "level=ERROR") {
			named = true
		}
	}
	if !named {
		t.Errorf("no error line names the job and its panic:\n%s", logs.String())
	}
}

// TestRunsShownAtZeroFromSchedule: each scheduled job's runs show at 0
// for every outcome from its schedule on, before any run, as the poll
// calls do: a rule on increase(postvakt_job_runs_total{outcome="failed"})
// counts the first failed run after a start (a series born at 1 has no
// increase), the nightly retention's included.
func TestRunsShownAtZeroFromSchedule(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := New(nil, nil)
	if err := s.Instrument(reg); err != nil {
		t.Fatal(err)
	}
	s.add(fast{}, "retention", func(context.Context) error { return nil })
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "postvakt_job_runs_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels[taskLabel]+" "+labels["outcome"]] = m.GetCounter().GetValue()
		}
	}
	for _, outcome := range []string{outcomeOK, outcomeFailed, outcomeSkipped} {
		if n, ok := got["retention "+outcome]; !ok || n != 0 {
			t.Errorf("postvakt_job_runs_total{task=\"retention\",outcome=%q} before any run: present=%v value=%v, want 0", outcome, ok, n)
		}
	}
}
