// Package opsmetrics exports what IT operations alert on about postvakt's
// work, read from the database at scrape time (at most every 10 seconds,
// so every replica shows the cluster's state whichever replica did the
// work): whether the database answers, the poll lag and the letters due
// per channel, the notifications not sent, and the print orders under way.
// The label sets are bounded (channel, notification kind and status, print
// state): never a letter or an organisation.
package opsmetrics

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/store"
)

// Source is what the collector reads (*store.Store).
type Source interface {
	Ping(ctx context.Context) error
	PollLags(ctx context.Context, now time.Time) ([]store.PollLag, error)
	OpenNotifications(ctx context.Context) ([]store.Count, error)
	OpenPrintOrders(ctx context.Context) ([]store.Count, error)
}

// Collector is a prometheus.Collector over a Source.
type Collector struct {
	src      Source
	log      *slog.Logger
	now      func() time.Time
	channels []string // shown with 0 lag and 0 due when no letter of theirs is due

	up, lag, due, notifications, prints *prometheus.Desc

	mu   sync.Mutex
	at   time.Time
	last []prometheus.Metric
}

// New returns a collector over src for the configured channels; now is
// the clock (nil: time.Now).
func New(src Source, log *slog.Logger, now func() time.Time, channels []string) *Collector {
	if now == nil {
		now = time.Now
	}
	return &Collector{src: src, log: log, now: now, channels: channels,
		up: prometheus.NewDesc("postvakt_database_up", "1 when the database answered at the last scrape.", nil, nil),
		lag: prometheus.NewDesc("postvakt_poll_lag_seconds",
			"How long the oldest letter due for a poll has waited, per channel (0: none due).", []string{"channel"}, nil),
		due: prometheus.NewDesc("postvakt_poll_due_letters", "Letters due for a poll now, per channel.", []string{"channel"}, nil),
		notifications: prometheus.NewDesc("postvakt_notifications",
			"Notifications not sent, by kind (reminder, followup_due, …) and status (pending, failed, unknown, no_address).",
			[]string{"kind", "status"}, nil),
		prints: prometheus.NewDesc("postvakt_print_orders",
			"Print decisions under way, by state (lookup, held, queued, received: placed, not yet confirmed printed; failed).",
			[]string{"state"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.lag, c.due, c.notifications, c.prints} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.last == nil || now.Sub(c.at) > 10*time.Second {
		c.at, c.last = now, c.read(now)
	}
	for _, m := range c.last {
		ch <- m
	}
}

// read reads every figure; when the database does not answer, only
// postvakt_database_up 0.
func (c *Collector) read(now time.Time) []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
		return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if err := c.src.Ping(ctx); err != nil {
		c.log.Error("metrics: the database does not answer", "error", err)
		return []prometheus.Metric{gauge(c.up, 0)}
	}
	out := []prometheus.Metric{gauge(c.up, 1)}
	if lags, err := c.src.PollLags(ctx, now); err != nil {
		// No lag rather than a lag of 0, which would silence its alert.
		c.log.Error("metrics: read the poll lag", "error", err)
	} else {
		out = append(out, c.lags(lags, now)...)
	}
	ns, err := c.src.OpenNotifications(ctx)
	if err != nil {
		c.log.Error("metrics: count open notifications", "error", err)
	}
	for _, n := range ns {
		out = append(out, gauge(c.notifications, float64(n.N), n.Kind, n.State))
	}
	ps, err := c.src.OpenPrintOrders(ctx)
	if err != nil {
		c.log.Error("metrics: count open print orders", "error", err)
	}
	for _, p := range ps {
		out = append(out, gauge(c.prints, float64(p.N), p.State))
	}
	return out
}

// lags are the lag and due series of every configured channel and every
// channel with letters due.
func (c *Collector) lags(lags []store.PollLag, now time.Time) []prometheus.Metric {
	byChannel := map[string]store.PollLag{}
	names := append([]string(nil), c.channels...)
	for _, l := range lags {
		byChannel[l.Channel] = l
		if !slices.Contains(names, l.Channel) {
			names = append(names, l.Channel)
		}
	}
	var out []prometheus.Metric
	for _, name := range names {
		l, lag := byChannel[name], 0.0
		if l.OldestDue != nil {
			lag = max(now.Sub(*l.OldestDue).Seconds(), 0)
		}
		out = append(out, prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, lag, name),
			prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(l.Due), name))
	}
	return out
}
