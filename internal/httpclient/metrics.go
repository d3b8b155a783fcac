package httpclient

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are shared by every Client registered on the same Registerer; the
// "channel" label tells them apart. A nil *metrics records nothing.
type metrics struct {
	name     string
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  *prometheus.CounterVec
	breaker  *prometheus.GaugeVec
	ops      sync.Map // op → struct{}: operations whose outcome series show
}

// outcomes are every value of the request counter's "outcome" label.
var outcomes = []string{outcomeOK, outcomeClientError, outcomeServerError, outcomeRateLimited, outcomeNetwork,
	outcomeTimeout, outcomeBadResponse, outcomeCircuitOpen, outcomeCanceled, outcomePrepare}

func newMetrics(reg prometheus.Registerer, name string) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{name: name}
	var err error
	if m.requests, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "postvakt", Subsystem: "http_client", Name: "requests_total",
		Help: "Outbound HTTP attempts by channel, operation and outcome.",
	}, []string{"channel", "op", "outcome"})); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "postvakt", Subsystem: "http_client", Name: "request_duration_seconds",
		Help:    "Duration of outbound HTTP attempts.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"channel", "op"})); err != nil {
		return nil, err
	}
	if m.retries, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "postvakt", Subsystem: "http_client", Name: "retries_total",
		Help: "Outbound HTTP retries by channel and operation.",
	}, []string{"channel", "op"})); err != nil {
		return nil, err
	}
	if m.breaker, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "postvakt", Subsystem: "http_client", Name: "breaker_state",
		Help: "Circuit breaker state by channel: 0 closed, 1 half-open, 2 open.",
	}, []string{"channel"})); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same description, so several clients can share one registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}

// request counts one attempt of op. An operation's first attempt shows
// all its outcome series, the others at 0, so that an alert's increase()
// sees its first failure (a series born at 1 has no increase).
func (m *metrics) request(op, outcome string) {
	if m == nil {
		return
	}
	if _, seen := m.ops.LoadOrStore(op, struct{}{}); !seen {
		for _, o := range outcomes {
			m.requests.WithLabelValues(m.name, op, o)
		}
	}
	m.requests.WithLabelValues(m.name, op, outcome).Inc()
}

func (m *metrics) observe(op string, d time.Duration) {
	if m != nil {
		m.duration.WithLabelValues(m.name, op).Observe(d.Seconds())
	}
}

func (m *metrics) retry(op string) {
	if m != nil {
		m.retries.WithLabelValues(m.name, op).Inc()
	}
}

func (m *metrics) breakerState(s breakerState) {
	if m != nil {
		m.breaker.WithLabelValues(m.name).Set(float64(s))
	}
}
