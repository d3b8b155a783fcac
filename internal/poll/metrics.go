package poll

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/store"
)

// Metrics are the poller's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	results  *prometheus.CounterVec
}

// NewMetrics registers the poller's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "postvakt_poll_calls_total", Help: "Channel status calls by outcome: ok, error, or letter (failed only for a letter's record, isolated by narrowing).",
		}, []string{"channel", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "postvakt_poll_call_seconds", Help: "Duration of channel status calls, retries included.",
			Buckets: prometheus.DefBuckets,
		}, []string{"channel"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "postvakt_poll_results_total", Help: "Poll results written, by kind.",
		}, []string{"channel", "kind"}),
	}
	reg.MustRegister(m.calls, m.duration, m.results)
	return m
}

// Outcomes of a channel call (postvakt_poll_calls_total's outcome).
const (
	callOK     = "ok"
	callError  = "error"
	callLetter = "letter" // failed for a letter's record only, which narrowing isolated (narrow.go)
)

// scheduled shows a channel's call and result series at 0 from its
// schedule on, so that a rule's increase() or rate() sees its first
// error (a series born at 1 has no increase); rereads: a feed that
// re-reads its log, whose late entries (kind late) show at 0 as well,
// not from its first re-read (one the first cycle after an outage or a
// restart runs at once, counting them: born at their count).
func (m *Metrics) scheduled(ch string, rereads bool) {
	if m == nil {
		return
	}
	for _, o := range []string{callOK, callError, callLetter} {
		m.calls.WithLabelValues(ch, o)
	}
	for _, k := range []string{"state", "status", "refused", "error", "unknown", "unwritable", "untrusted"} {
		m.results.WithLabelValues(ch, k)
	}
	if rereads {
		m.late(ch, 0)
	}
}

func (m *Metrics) call(ch string, err error, d time.Duration) {
	outcome := callOK
	if err != nil {
		outcome = callError
	}
	m.called(ch, outcome, d)
}

// called counts one channel call with its outcome (callOK, callError,
// callLetter) and its duration.
func (m *Metrics) called(ch, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(ch, outcome).Inc()
	m.duration.WithLabelValues(ch).Observe(d.Seconds())
}

func (m *Metrics) changes(ch string, w store.PollWrite) {
	if m == nil {
		return
	}
	m.results.WithLabelValues(ch, "state").Add(float64(w.Changed))
	m.results.WithLabelValues(ch, "status").Add(float64(w.Statuses))
	m.results.WithLabelValues(ch, "refused").Add(float64(w.Refused))
	m.results.WithLabelValues(ch, "error").Add(float64(w.Errors))
	m.results.WithLabelValues(ch, "unknown").Add(float64(w.Unknown))
	m.results.WithLabelValues(ch, "unwritable").Add(float64(len(w.Unwritable)))
}

// late counts the entries a re-read kept that showed in the log later
// than the overlap reaches (n 0: the series shows, at 0).
func (m *Metrics) late(ch string, n int) {
	if m == nil {
		return
	}
	m.results.WithLabelValues(ch, "late").Add(float64(n))
}

// untrusted counts "not known" answers taken as the channel's failure
// (forgotten.go).
func (m *Metrics) untrusted(ch string, n int) {
	if m == nil {
		return
	}
	m.results.WithLabelValues(ch, "untrusted").Add(float64(n))
}
