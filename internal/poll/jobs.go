package poll

import (
	"context"
	"fmt"
	"sync"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
)

// Poll runs one cycle of any opened channel, unless the channel asked to
// be left alone until later (a 429 or a Retry-After longer than the HTTP
// client waits itself, in this process): then it does nothing until then.
func (p *Poller) Poll(ctx context.Context, a channel.Adapter) (Summary, error) {
	now := p.now()
	if until := p.quiet.get(a.Name()); now.Before(until) {
		p.log.Debug("poll skipped: the channel asked to be left alone", "channel", a.Name(), "until", until)
		return Summary{}, nil
	}
	switch ch := a.(type) {
	case channel.Feed: // before Channel: a feed is a Channel too (feed.go)
		sum, err := p.feedCycle(ctx, ch)
		if wait, ok := httpclient.Throttled(err); ok && wait > 0 {
			p.quiet.set(a.Name(), now.Add(wait))
		}
		return sum, err
	case channel.Channel:
		return p.Cycle(ctx, ch)
	}
	return Summary{}, fmt.Errorf("channel %s: postvakt cannot poll it (neither per-id status nor a feed)", a.Name())
}

// quietUntil is, per channel, when it may be asked again after it asked to
// be left alone.
type quietUntil struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (q *quietUntil) get(name string) time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.until[name]
}

func (q *quietUntil) set(name string, t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.until == nil {
		q.until = map[string]time.Time{}
	}
	if t.After(q.until[name]) {
		q.until[name] = t
	}
}

// Schedule runs a poll cycle of each channel on spec in this replica. A
// cycle still running when the next tick comes is not started twice here;
// across replicas, claims with SKIP LOCKED and a lease keep each shipment
// to one poll per cycle, so replicas share the work instead of repeating it.
// At the soft stop a cycle claims no new batch and finishes the ones it holds.
func (p *Poller) Schedule(s *jobs.Scheduler, spec string, chans []channel.Adapter) error {
	for _, ch := range chans {
		ch := ch
		if err := s.Every(spec, "poll "+ch.Name(), func(ctx context.Context) error {
			sum, err := p.Poll(ctx, ch)
			if err != nil {
				return fmt.Errorf("poll %s (%s): %w", ch.Name(), sum, err)
			}
			if sum.Polled > 0 || sum.Reread > 0 {
				p.log.Info("poll cycle done", "channel", ch.Name(), "polled", sum.Polled, "changed", sum.Changed, "errors", sum.Errors, "unknown", sum.Unknown,
					"forgotten", sum.Forgotten, "unregistered", sum.Unregistered, "reread", sum.Reread, "late", sum.Late)
			}
			return nil
		}); err != nil {
			return err
		}
		_, _, rereads := rereadOf(ch)
		p.metrics.scheduled(ch.Name(), rereads)
		p.log.Info("polling scheduled", "channel", ch.Name(), "schedule", spec)
	}
	return nil
}
