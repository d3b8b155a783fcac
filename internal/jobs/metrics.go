package jobs

import (
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus series: per job (a constant set
// of names, so a bounded label) how its runs ended and when one last
// succeeded, and its interval, for an alert that judges each job by its own
// schedule (a daily job is not late three hours after its run): how many
// of its schedule's ticks have come since its last success,
// postvakt_job_ticks_since_success >= 3, counted at scrape time, so that
// a schedule of uneven ticks (office hours, weekdays) or a daily job
// across a clock change is judged by the ticks it had, not by one gap.
// The job is named by the label task (taskLabel), not job: Prometheus sets
// job (and instance) on every series it scrapes, the scrape config's
// job_name, and renames a label job of the target's to exported_job, so
// that a rule grouping by job would fold every scheduled job into one.
type metrics struct {
	runs        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.GaugeVec
	interval    *prometheus.GaugeVec
	since       *sinceSuccess
}

// taskLabel is the label that names the scheduled job on its series.
const taskLabel = "task"

// Outcomes of a run (the outcome label).
const (
	outcomeOK      = "ok"
	outcomeFailed  = "failed"
	outcomeSkipped = "skipped" // a cluster-wide job another replica runs, or ran this interval (Once)
)

// Instrument registers the scheduler's metrics with reg (nil: none). Call
// it before the jobs are added.
func (s *Scheduler) Instrument(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "postvakt_job_runs_total",
			Help: "Runs of a scheduled job, by how they ended: ok, failed, or skipped (another replica ran a cluster-wide job)."},
			[]string{taskLabel, "outcome"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "postvakt_job_last_success_timestamp_seconds",
			Help: "When a run of the scheduled job last ended without an error in this replica (Unix time); " +
				"until one has, when the replica scheduled it (its start), so that a job that never succeeds is late after three intervals too."},
			[]string{taskLabel}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "postvakt_job_last_duration_seconds",
			Help: "How long the scheduled job's last run in this replica took."}, []string{taskLabel}),
		interval: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "postvakt_job_interval_seconds",
			Help: "The time between two runs of the scheduled job, from its schedule (its next two ticks when it was scheduled; " +
				"an uneven schedule's gaps differ: postvakt_job_ticks_since_success judges lateness)."}, []string{taskLabel}),
		since: newSinceSuccess(time.Now),
	}
	for _, c := range []prometheus.Collector{m.runs, m.lastSuccess, m.duration, m.interval, m.since} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	s.m = m
	return nil
}

// scheduled records a job's interval (between its next two ticks) and,
// as its last success until a run succeeds, now: a job that fails at every
// run since the replica started (a release that broke it) has a series
// from the start, so the alert on three intervals without a success fires
// for it too, instead of finding no series to judge. Not the cluster's
// bookkeeping (job_runs): it records when a run started, not whether it
// succeeded; the max over the replicas (the rule's) takes the replica that
// ran a cluster-wide job.
func (m *metrics) scheduled(job string, sched interface{ Next(time.Time) time.Time }, now time.Time) {
	if m == nil {
		return
	}
	// Every outcome at 0 from the schedule on, as the poll calls are: a
	// rule's increase() sees the first failed run (a series born at 1 has
	// no increase).
	for _, o := range []string{outcomeOK, outcomeFailed, outcomeSkipped} {
		m.runs.WithLabelValues(job, o)
	}
	next := sched.Next(now)
	m.interval.WithLabelValues(job).Set(sched.Next(next).Sub(next).Seconds())
	m.lastSuccess.WithLabelValues(job).Set(float64(now.Unix()))
	m.since.scheduled(job, sched, now)
}

func (m *metrics) ran(job, outcome string, start time.Time, took time.Duration) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(job, outcome).Inc()
	if outcome == outcomeSkipped {
		return
	}
	m.duration.WithLabelValues(job).Set(took.Seconds())
	if outcome == outcomeOK {
		m.lastSuccess.WithLabelValues(job).Set(float64(start.Add(took).Unix()))
		m.since.succeeded(job, start.Add(took))
	}
}

// maxTicksCounted bounds the count of ticks since a success (a job every
// second, failing for a week, is counted to here, not through its ticks).
const maxTicksCounted = 1000

// sinceSuccess is postvakt_job_ticks_since_success: per job, the ticks
// of its schedule after its last success in this replica (after it was
// scheduled, until one succeeds) up to the scrape.
type sinceSuccess struct {
	desc *prometheus.Desc
	now  func() time.Time
	mu   sync.Mutex
	jobs map[string]*jobSince
}

type jobSince struct {
	sched interface{ Next(time.Time) time.Time }
	since time.Time
}

func newSinceSuccess(now func() time.Time) *sinceSuccess {
	return &sinceSuccess{now: now, jobs: map[string]*jobSince{},
		desc: prometheus.NewDesc("postvakt_job_ticks_since_success",
			"How many ticks of the scheduled job's schedule have come since its last success in this replica "+
				"(since the replica scheduled it, until one has), counted when scraped, at most 1000; "+
				"the min over the replicas is the cluster's.", []string{taskLabel}, nil)}
}

func (c *sinceSuccess) scheduled(job string, sched interface{ Next(time.Time) time.Time }, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.jobs[job] = &jobSince{sched: sched, since: now}
}

func (c *sinceSuccess) succeeded(job string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if j := c.jobs[job]; j != nil && at.After(j.since) {
		j.since = at
	}
}

// Describe and Collect make it a prometheus.Collector.
func (c *sinceSuccess) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sinceSuccess) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	c.mu.Lock()
	names := make([]string, 0, len(c.jobs))
	for name := range c.jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	counts := make([]float64, len(names))
	for i, name := range names {
		j := c.jobs[name]
		n := 0
		for t := j.sched.Next(j.since); !t.IsZero() && !t.After(now) && n < maxTicksCounted; t = j.sched.Next(t) {
			n++
		}
		counts[i] = float64(n)
	}
	c.mu.Unlock()
	for i, name := range names {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, counts[i], name)
	}
}
