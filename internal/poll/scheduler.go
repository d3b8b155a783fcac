package poll

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/robfig/cron/v3"

	"postvakt/internal/channel"
)

// Schedule adds one cron job per channel that runs a poll cycle. A cycle
// still running when the next tick comes is not started twice in this
// process (SkipIfStillRunning); across replicas, claims with SKIP LOCKED and
// a lease keep each shipment to one poll per cycle, so replicas share the
// work instead of repeating it.
func Schedule(ctx context.Context, c *cron.Cron, spec string, p *Poller, chans []channel.Channel, log *slog.Logger) error {
	for _, ch := range chans {
		ch := ch
		job := cron.NewChain(cron.SkipIfStillRunning(cron.DiscardLogger)).Then(cron.FuncJob(func() {
			sum, err := p.Cycle(ctx, ch)
			if err != nil {
				log.Error("poll cycle failed", "channel", ch.Name(), "summary", sum.String(), "err", err)
				return
			}
			if sum.Polled > 0 {
				log.Info("poll cycle done", "channel", ch.Name(), "polled", sum.Polled, "changed", sum.Changed, "errors", sum.Errors, "unknown", sum.Unknown)
			}
		}))
		if _, err := c.AddJob(spec, job); err != nil {
			return fmt.Errorf("schedule %s polling with %q: %w", ch.Name(), spec, err)
		}
	}
	return nil
}
