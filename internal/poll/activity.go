package poll

import (
	"context"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// Activity is where the poller records what each batch's calls to a
// channel came to (*store.Store): the health rule channel_silent and the
// operations page read it.
type Activity interface {
	RecordChannelCalls(ctx context.Context, c store.ChannelCalls) error
}

// recordCalls records one batch's calls: how many, how many failed, how
// long they took, and the latest status change among results (the
// channel's own change time, else when postvakt saw it). A failure to
// record is logged; it never fails the batch.
func (p *Poller) recordCalls(ctx context.Context, name string, now time.Time, sum Summary, took time.Duration, callErr error, results []store.PollResult) {
	if p.activity == nil {
		return
	}
	c := store.ChannelCalls{Channel: name, At: now, Calls: sum.Calls, Errors: sum.Failed, Latency: took,
		MaxLatency: took, Changes: sum.Changed}
	if callErr != nil {
		c.LastError = callErr.Error()
	}
	for _, r := range results {
		if r.Err != "" || (r.State == r.Due.State && r.Status == r.Due.ChannelStatus) {
			continue
		}
		if t := changedAt(&r); t.After(c.LastChange) {
			c.LastChange = t
		}
	}
	p.record(ctx, c)
}

// recordFeed records one read of a feed channel (a window of its log, or
// a back-fill's look-up): one call, failed or not, and the latest change
// time among the entries it brought.
func (p *Poller) recordFeed(ctx context.Context, channel string, now time.Time, took time.Duration, callErr error,
	changes int, events []channel.FeedEvent) {
	if p.activity == nil {
		return
	}
	c := store.ChannelCalls{Channel: channel, At: now, Calls: 1, Latency: took, MaxLatency: took, Changes: changes}
	if callErr != nil {
		c.Errors, c.LastError = 1, callErr.Error()
	}
	limit := now.Add(model.MaxFutureSkew)
	for _, e := range events {
		if e.Err != nil || e.ChannelID == "" {
			continue
		}
		// As the entry is taken (feedTime): an eventTime ahead of our
		// clock, kept as the greatest, would stand as the channel's last
		// change for as long (channel_silent counting no letter after it).
		if at, ahead := feedTime(e, limit); !ahead && at.After(c.LastChange) {
			c.LastChange = at
		}
	}
	p.record(ctx, c)
}

func (p *Poller) record(ctx context.Context, c store.ChannelCalls) {
	if err := p.activity.RecordChannelCalls(context.WithoutCancel(ctx), c); err != nil {
		p.log.Warn("could not record the channel's calls (health and operations page)", "channel", c.Channel, "error", err)
	}
}

// changedAt is when a result's change happened: the channel's time, else
// when postvakt asked.
func changedAt(r *store.PollResult) time.Time {
	if r.ChangedAt.IsZero() {
		return r.ObservedAt
	}
	return r.ChangedAt
}
