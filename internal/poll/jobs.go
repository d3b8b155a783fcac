package poll

import (
	"context"
	"fmt"

	"postvakt/internal/channel"
	"postvakt/internal/jobs"
)

// Poll runs one cycle of any opened channel.
func (p *Poller) Poll(ctx context.Context, a channel.Adapter) (Summary, error) {
	switch ch := a.(type) {
	case channel.Feed: // before Channel: a feed is a Channel too (feed.go)
		return p.feedCycle(ctx, ch)
	case channel.Channel:
		return p.Cycle(ctx, ch)
	}
	return Summary{}, fmt.Errorf("channel %s: postvakt cannot poll it (neither per-id status nor a feed)", a.Name())
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
			if sum.Polled > 0 {
				p.log.Info("poll cycle done", "channel", ch.Name(), "polled", sum.Polled, "changed", sum.Changed, "errors", sum.Errors, "unknown", sum.Unknown,
					"unregistered", sum.Unregistered)
			}
			return nil
		}); err != nil {
			return err
		}
		p.log.Info("polling scheduled", "channel", ch.Name(), "schedule", spec)
	}
	return nil
}
