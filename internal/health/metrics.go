package health

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/outage"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// FiringSource lists the firing alerts (*store.Store).
type FiringSource interface {
	FiringAlerts(ctx context.Context) ([]store.Alert, error)
}

// Collector exports postvakt_health_alert_firing{rule,channel,unit_id,system}:
// how many alerts fire (and are not muted) per rule, channel, sending unit
// (by its id, sender_units.id: OutwardLabels, never its name) and sender
// system, read from the database at scrape time (at most every 10
// seconds), so every replica shows the cluster's alerts whichever replica
// evaluated them. Alert from Prometheus with max by (rule, channel,
// unit_id, system). A read that fails leaves the series out and says so
// in postvakt_health_alerts_readable 0.
type Collector struct {
	src  FiringSource
	log  *slog.Logger
	now  func() time.Time
	desc *prometheus.Desc
	up   *prometheus.Desc

	outage *outage.Log // a failed read logged once per outage, not at every scrape

	mu      sync.Mutex
	at      time.Time
	counts  map[[4]string]int
	healthy bool
}

// NewCollector returns a collector over src; now is the clock (nil:
// time.Now).
func NewCollector(src FiringSource, log *slog.Logger, now func() time.Time) *Collector {
	if now == nil {
		now = time.Now
	}
	return &Collector{src: src, log: log, now: now,
		outage: outage.New("metrics: firing health alerts read again", "down_for", "failed_scrapes"),
		desc: prometheus.NewDesc("postvakt_health_alert_firing",
			"Health alerts firing (not inhibited), by rule, channel, sending unit (its id) and sender system.",
			[]string{"rule", "channel", policy.LabelUnitID, "system"}, nil),
		up: prometheus.NewDesc("postvakt_health_alerts_readable",
			"1 when the firing health alerts could be read from the database at the last scrape; 0 when their read failed: "+
				"postvakt_health_alert_firing is then left out.", nil, nil)}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); now.Sub(c.at) > 10*time.Second {
		// store.Within: a database that hangs (connections open, no
		// reply) answers no context's end; the scrape goes on without it.
		alerts, err := store.Within(context.Background(), 3*time.Second, c.src.FiringAlerts)
		c.at, c.healthy, c.counts = now, err == nil, Counts(alerts)
		if err != nil {
			// Not the last read's counts: they would be shown as the
			// cluster's alerts now for as long as the database stays away
			// (in the max over the replicas, one cut off from it would
			// hold an alert resolved meanwhile). The series are left out,
			// as the database figures' are, and readable says why.
			c.outage.Failed(c.log, now, "metrics: read firing health alerts", err)
		} else {
			c.outage.Ok(c.log, now)
		}
	}
	up := 0.0
	if c.healthy {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
	for k, n := range c.counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k[0], k[1], k[2], k[3])
	}
}

// Counts counts the firing, unmuted alerts per rule, channel, unit (its
// id: OutwardLabels) and sender system.
func Counts(alerts []store.Alert) map[[4]string]int {
	out := map[[4]string]int{}
	for _, a := range alerts {
		if a.Status == store.AlertFiring && !a.Inhibited {
			l := OutwardLabels(a)
			out[[4]string{a.Rule, l["channel"], l[policy.LabelUnitID], l["system"]}]++
		}
	}
	return out
}

// The labels of postvakt_health_notices_total beyond the notice log's
// statuses (store.AlertNoticeSent, …) and DestWebhook: the e-mail
// destinations (never the address), no destination at all, and the
// outcome of a route that reaches no one.
const (
	MetricDestEmail    = "email"
	MetricDestNone     = "none"
	OutcomeNoRecipient = "no_recipient"
)

// NoticeOutcomes counts the alert notices by destination kind (email,
// webhook: never the address) and outcome (sent, failed, unknown), as
// postvakt_health_notices_total: a webhook or relay that refuses every
// alert would otherwise show only in the log, while the alerts page and
// postvakt_health_alert_firing say the alert fires as if it had been told.
// It counts too, at each evaluation, every route of an alert due to be
// told that reaches no one (outcome no_recipient; destination email: a
// role of the rule's to: without an e-mail address, or addresses without
// an SMTP relay; none: the alert has no destination at all), which
// otherwise showed only as a warning in the log.
// Every pair starts at 0, so increase() sees the first failure.
func NoticeOutcomes(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "postvakt_health_notices_total",
		Help: "Health alert notices by destination (email, webhook) and outcome (sent; failed: sent again by the next evaluation; unknown: never sent again), " +
			"and at each evaluation the alert routes that reach no one (outcome no_recipient; destination email: no e-mail address or no SMTP relay; none: no destination at all)."},
		[]string{"destination", "outcome"})
	for _, d := range []string{MetricDestEmail, DestWebhook} {
		for _, o := range []string{store.AlertNoticeSent, store.AlertNoticeFailed, store.AlertNoticeUnknown} {
			c.WithLabelValues(d, o)
		}
	}
	c.WithLabelValues(MetricDestEmail, OutcomeNoRecipient)
	c.WithLabelValues(MetricDestNone, OutcomeNoRecipient)
	if reg != nil {
		reg.MustRegister(c)
	}
	return c
}
