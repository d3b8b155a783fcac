// Package outage keeps what a probe or a scrape finds wrong to one log
// line per outage, not one per probe or scrape: /readyz (a kubelet probes
// every few seconds, a load balancer as often as every second) and the
// /metrics collectors (Prometheus scrapes every 10 to 30 s, each replica)
// log a database that is away once when it goes and once when it is back.
package outage

import (
	"log/slog"
	"sync"
	"time"
)

// Log logs one failure per outage: at Error when it begins or its reason
// changes, the same failure again at Debug, and the first success after
// it at Info with how long it lasted and how many tries failed. As poll's
// p.bad.first does for a bad log entry. In memory: a restart logs an
// outage under way once more. Safe for concurrent use.
type Log struct {
	again, forKey, countKey string // the line at the end, its keys for how long and how many

	mu     sync.Mutex
	reason string    // the failure logged; "" while well
	since  time.Time // when it was first seen
	tries  int       // failed tries since
}

// New returns a Log whose line at the end of an outage is again, with the
// outage's length under forKey and the failed tries under countKey
// ("readiness: ready again", "not_ready_for", "failed_probes").
func New(again, forKey, countKey string) *Log {
	return &Log{again: again, forKey: forKey, countKey: countKey}
}

// Failed logs a failed try: what was being done (msg: the reason) and the
// error, with attrs (which figures).
func (l *Log) Failed(log *slog.Logger, now time.Time, msg string, err error, attrs ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reason == msg {
		l.tries++
		log.Debug(msg+" (still)", append(attrs, "error", err, "since", l.since, l.countKey, l.tries)...)
		return
	}
	if l.reason == "" {
		l.since = now
	}
	l.reason, l.tries = msg, 1
	log.Error(msg, append(attrs, "error", err)...) // once: the next line is l.again
}

// Ok logs the first success after a failure, with attrs.
func (l *Log) Ok(log *slog.Logger, now time.Time, attrs ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reason == "" {
		return
	}
	log.Info(l.again, append(attrs, "was", l.reason, l.forKey, now.Sub(l.since).Round(time.Second), l.countKey, l.tries)...)
	l.reason, l.tries = "", 0
}
