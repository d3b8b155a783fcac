package jobs

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus series: per job (a constant set
// of names, so a bounded label) how its runs ended and when one last
// succeeded, and its interval, for an alert that judges each job by its own
// schedule (a daily job is not late three hours after its run):
// time() - postvakt_job_last_success_timestamp_seconds > 3 * postvakt_job_interval_seconds.
// The job is named by the label task (taskLabel), not job: Prometheus sets
// job (and instance) on every series it scrapes, the scrape config's
// job_name, and renames a label job of the target's to exported_job, so
// that a rule grouping by job would fold every scheduled job into one.
type metrics struct {
	runs        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.GaugeVec
	interval    *prometheus.GaugeVec
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
			Help: "The time between two runs of the scheduled job, from its schedule."}, []string{taskLabel}),
	}
	for _, c := range []prometheus.Collector{m.runs, m.lastSuccess, m.duration, m.interval} {
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
	next := sched.Next(now)
	m.interval.WithLabelValues(job).Set(sched.Next(next).Sub(next).Seconds())
	m.lastSuccess.WithLabelValues(job).Set(float64(now.Unix()))
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
	}
}
