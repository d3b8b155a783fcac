// Package poll asks the channels for the status of open shipments: claim due
// shipments in batches (FOR UPDATE SKIP LOCKED with a lease), ask the
// channel, write state changes and their events in one transaction per batch,
// and set each shipment's next poll adaptively.
package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/jobs"
	"postvakt/internal/store"
)

// Store is what the poller needs from storage.
type Store interface {
	ClaimDue(ctx context.Context, channel string, now time.Time, limit int, lease time.Duration) ([]store.Due, error)
	ApplyPoll(ctx context.Context, results []store.PollResult) (store.PollWrite, error)
	RecordPollError(ctx context.Context, channel string, at time.Time, ids []string, retry []time.Time, callErr error, raw string) error
}

// historian is implemented by channels that can give a shipment's event
// history; it is fetched when a status changes and kept as evidence.
type historian interface {
	History(ctx context.Context, id string) (json.RawMessage, error)
}

// Poller polls channels.
type Poller struct {
	store    Store
	log      *slog.Logger
	now      func() time.Time
	workers  int
	lease    time.Duration
	progress int
	metrics  *Metrics
}

// Options tune a Poller.
type Options struct {
	Now      func() time.Time // clock; nil = time.Now
	Workers  int              // concurrent batches per channel; default 4
	Lease    time.Duration    // how long a claim holds; default 10 minutes
	Progress int              // log a progress line every this many shipments; default 10,000
	Metrics  *Metrics         // nil = none
}

// New returns a poller.
func New(st Store, log *slog.Logger, opt Options) *Poller {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Lease <= 0 {
		opt.Lease = 10 * time.Minute
	}
	if opt.Progress <= 0 {
		opt.Progress = 10000
	}
	return &Poller{store: st, log: log, now: opt.Now, workers: opt.Workers, lease: opt.Lease, progress: opt.Progress, metrics: opt.Metrics}
}

// Summary counts what one cycle did.
type Summary struct {
	Polled  int // shipments asked about
	Changed int // state changes applied
	Errors  int // shipments whose answer could not be used, or whose call failed
	Calls   int // channel calls made
	Failed  int // channel calls that failed as a whole
	Unknown int // feed entries about shipments postvakt does not know: counted, not stored
}

func (s Summary) String() string {
	return fmt.Sprintf("polled=%d changed=%d errors=%d", s.Polled, s.Changed, s.Errors)
}

// ErrUnreachable is returned by Cycle when every call to the channel failed.
var ErrUnreachable = errors.New("channel could not be reached")

// Cycle polls every due shipment of one channel once, and returns when none
// is due any more (or ctx ends).
func (p *Poller) Cycle(ctx context.Context, ch channel.Channel) (Summary, error) {
	var (
		sum      Summary
		mu       sync.Mutex
		firstErr error
		seen     atomic.Int64
		wg       sync.WaitGroup
	)
	start := p.now()
	for w := 0; w < p.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && !jobs.Draining(ctx) {
				s, n, err := p.batch(ctx, ch, start)
				mu.Lock()
				sum.Polled += s.Polled
				sum.Changed += s.Changed
				sum.Errors += s.Errors
				sum.Calls += s.Calls
				sum.Failed += s.Failed
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if err != nil || n == 0 {
					return
				}
				total := seen.Add(int64(n))
				if total/int64(p.progress) != (total-int64(n))/int64(p.progress) {
					p.log.Info("poll progress", "channel", ch.Name(), "shipments", total)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return sum, firstErr
	}
	if sum.Calls > 0 && sum.Failed == sum.Calls {
		return sum, fmt.Errorf("%s: %w (%d calls failed)", ch.Name(), ErrUnreachable, sum.Failed)
	}
	return sum, ctx.Err()
}

// batch claims, polls and writes one batch. It returns how many shipments it
// claimed; zero means the channel has nothing due.
func (p *Poller) batch(ctx context.Context, ch channel.Channel, asOf time.Time) (Summary, int, error) {
	var sum Summary
	due, err := p.store.ClaimDue(ctx, ch.Name(), asOf, ch.BatchSize(), p.lease)
	if err != nil || len(due) == 0 {
		return sum, 0, err
	}
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ChannelID
	}
	sum.Calls++
	sum.Polled = len(due)
	started := time.Now()
	obs, callErr := ch.Status(ctx, ids)
	p.metrics.call(ch.Name(), callErr, time.Since(started))
	now := p.now()
	if callErr != nil {
		if ctx.Err() != nil {
			return sum, len(due), ctx.Err()
		}
		sum.Failed++
		sum.Errors += len(due)
		retry := make([]time.Time, len(due))
		shipIDs := make([]string, len(due))
		for i, d := range due {
			retry[i] = now.Add(Backoff(d.PollFailures + 1))
			shipIDs[i] = d.ID
		}
		p.log.Warn("channel call failed; shipments keep their state and are retried later",
			"channel", ch.Name(), "shipments", len(due), "error", callErr)
		if err := p.store.RecordPollError(ctx, ch.Name(), now, shipIDs, retry, callErr, rawOf(callErr)); err != nil {
			return sum, len(due), err
		}
		return sum, len(due), nil
	}
	byID := make(map[string]channel.Observation, len(obs))
	for _, o := range obs {
		byID[o.ChannelID] = o
	}
	results := make([]store.PollResult, 0, len(due))
	for _, d := range due {
		o, ok := byID[d.ChannelID]
		if !ok {
			o = channel.Observation{ChannelID: d.ChannelID, Err: errors.New("the channel's answer did not mention this shipment")}
		}
		r := p.result(ctx, ch, d, o, now)
		if r.Err != "" {
			sum.Errors++
			p.log.Warn("unusable status", "channel", ch.Name(), "shipment", d.ID, "status", o.Status, "error", r.Err)
		}
		results = append(results, r)
	}
	w, err := p.store.ApplyPoll(ctx, results)
	if err != nil {
		return sum, len(due), fmt.Errorf("write %s poll results: %w", ch.Name(), err)
	}
	sum.Changed = w.Changed
	p.metrics.changes(ch.Name(), w)
	if w.Refused > 0 {
		p.log.Warn("impossible transitions refused", "channel", ch.Name(), "count", w.Refused)
	}
	return sum, len(due), nil
}

// result turns an observation into a row to write, fetching the channel's
// history when the status changed.
func (p *Poller) result(ctx context.Context, ch channel.Channel, d store.Due, o channel.Observation, now time.Time) store.PollResult {
	r := store.PollResult{Due: d, Source: ch.Name(), ObservedAt: now, Status: o.Status, State: o.State,
		Closed: string(o.Disposition), ChangedAt: o.ChangedAt, Payload: o.Payload, History: o.History}
	if o.Err != nil || !o.State.Valid() {
		msg := "no usable state"
		if o.Err != nil {
			msg = o.Err.Error()
		}
		r.Err = msg
		r.State = d.State
		next := now.Add(Backoff(d.PollFailures + 1))
		r.NextPollAt = &next
		return r
	}
	if o.State != d.State && len(r.History) == 0 {
		if h, ok := ch.(historian); ok {
			hist, err := h.History(ctx, d.ChannelID)
			if err != nil {
				p.log.Warn("could not fetch history; the status change is kept without it", "channel", ch.Name(), "shipment", d.ID, "error", err)
			} else {
				r.History = hist
			}
		}
	}
	r.NextPollAt = NextPoll(o.State, o.Disposition, d.SentAt, now)
	return r
}

// rawOf digs the channel's raw answer out of an error, when the adapter kept
// it (an error with a Raw() string method).
func rawOf(err error) string {
	var r interface{ Raw() string }
	if errors.As(err, &r) {
		return r.Raw()
	}
	return ""
}
