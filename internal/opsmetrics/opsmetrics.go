// Package opsmetrics exports what IT operations alert on about postvakt's
// work, read from the database at scrape time (at most every 10 seconds,
// so every replica shows the cluster's state whichever replica did the
// work): whether the database answers, the poll lag and the letters due
// per channel, the notifications not sent, and the print orders under way,
// each read within a bound (a read behind a lock leaves its figures out
// and says so; the scrape does not wait for the lock). The label sets are
// bounded (channel, notification kind and status, print state): never a
// letter or an organisation.
package opsmetrics

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/outage"
	"postvakt/internal/store"
)

// Source is what the collector reads (*store.Store).
type Source interface {
	Ping(ctx context.Context) error
	PollLags(ctx context.Context, now time.Time) ([]store.PollLag, error)
	OpenNotifications(ctx context.Context) ([]store.Count, error)
	OpenPrintOrders(ctx context.Context) ([]store.Count, error)
}

// readTimeout bounds each of a scrape's database reads (the ping, and
// each figure's read, which run side by side): a read waiting behind a
// lock (a migration's, a stuck job's) is cancelled then, and the scrape
// answers without its figures instead of hanging, the others read as
// usual. Prometheus' default scrape timeout is 10 s.
const readTimeout = 3 * time.Second

// Collector is a prometheus.Collector over a Source.
type Collector struct {
	src      Source
	log      *slog.Logger
	now      func() time.Time
	channels []string // shown with 0 lag and 0 due when no letter of theirs is due

	up, readable, lag, due, notifications, prints *prometheus.Desc

	down    *outage.Log            // the database not answering, logged once per outage
	figures map[string]*outage.Log // a figures' read failing, logged once per outage, by figures

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
		down:    outage.New("metrics: the database answers again", "down_for", "failed_scrapes"),
		figures: map[string]*outage.Log{},
		up:      prometheus.NewDesc("postvakt_database_up", "1 when the database answered at the last scrape.", nil, nil),
		readable: prometheus.NewDesc("postvakt_database_figures_readable",
			"1 when the figures (poll_lag, notifications, print_orders) were read at the last scrape; 0 when their read failed "+
				"or waited past its bound (behind a lock): their series are then left out.", []string{"figures"}, nil),
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
	for _, d := range []*prometheus.Desc{c.up, c.readable, c.lag, c.due, c.notifications, c.prints} {
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

// figures is one read of figures: its name (the readable gauge's label)
// and how it is read into metrics.
type figures struct {
	name string
	read func(ctx context.Context) ([]prometheus.Metric, error)
}

// read reads every figure, each within readTimeout; when the database does
// not answer, only postvakt_database_up 0. A read that fails leaves its
// series out (no lag rather than a lag of 0, which would silence its
// alert) and says so in postvakt_database_figures_readable.
func (c *Collector) read(now time.Time) []prometheus.Metric {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
		return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	// store.Within: a database that hangs (connections open, no reply)
	// answers no context's end; the scrape goes on without it.
	if err := store.WithinDo(context.Background(), readTimeout, c.src.Ping); err != nil {
		c.down.Failed(c.log, now, "metrics: the database does not answer", err)
		return []prometheus.Metric{gauge(c.up, 0)}
	}
	reads := []figures{
		{"poll_lag", func(ctx context.Context) ([]prometheus.Metric, error) {
			lags, err := c.src.PollLags(ctx, now)
			if err != nil {
				return nil, err // the store's error says what it read
			}
			return c.lags(lags, now), nil
		}},
		{"notifications", func(ctx context.Context) ([]prometheus.Metric, error) {
			ns, err := c.src.OpenNotifications(ctx)
			if err != nil {
				return nil, err
			}
			var out []prometheus.Metric
			for _, n := range ns {
				out = append(out, gauge(c.notifications, float64(n.N), n.Kind, n.State))
			}
			return out, nil
		}},
		{"print_orders", func(ctx context.Context) ([]prometheus.Metric, error) {
			ps, err := c.src.OpenPrintOrders(ctx)
			if err != nil {
				return nil, err
			}
			var out []prometheus.Metric
			for _, p := range ps {
				out = append(out, gauge(c.prints, float64(p.N), p.State))
			}
			return out, nil
		}},
	}
	got := make([][]prometheus.Metric, len(reads))
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, f := range reads {
		wg.Go(func() { got[i], errs[i] = store.Within(context.Background(), readTimeout, f.read) })
	}
	wg.Wait()
	c.down.Ok(c.log, now)
	out := []prometheus.Metric{gauge(c.up, 1)}
	for i, f := range reads {
		l := c.figures[f.name]
		if l == nil {
			l = outage.New("metrics: figures read again", "unread_for", "failed_scrapes")
			c.figures[f.name] = l
		}
		ok := 1.0
		if errs[i] != nil {
			ok = 0
			l.Failed(c.log, now, "metrics: figures not read", errs[i], "figures", f.name)
		} else {
			l.Ok(c.log, now, "figures", f.name)
		}
		out = append(append(out, gauge(c.readable, ok, f.name)), got[i]...)
	}
	return out
}

// lags are the lag and due series of every configured channel and every
// channel with letters due: not of one removed from the configuration with
// nothing due (its channel_activity row stays), which would show at 0 for
// ever.
func (c *Collector) lags(lags []store.PollLag, now time.Time) []prometheus.Metric {
	byChannel := map[string]store.PollLag{}
	names := append([]string(nil), c.channels...)
	for _, l := range lags {
		byChannel[l.Channel] = l
		if l.Due > 0 && !slices.Contains(names, l.Channel) {
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
