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
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/store"
)

// Store is what the poller needs from storage.
type Store interface {
	ClaimDue(ctx context.Context, channel string, now time.Time, limit int, lease time.Duration) ([]store.Due, error)
	ReleaseClaims(ctx context.Context, shipmentIDs []string, until time.Time) error
	ApplyPoll(ctx context.Context, results []store.PollResult) (store.PollWrite, error)
	RecordPollError(ctx context.Context, channel string, at time.Time, ids []string, retry []time.Time, callErr error, raw string) error
	PollCanary(ctx context.Context, channel string, not []string) (string, error)
	PollWitness(ctx context.Context, channel string, not []string) (string, error)
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
	history  int
	histTime time.Duration
	lease    time.Duration
	maxWait  time.Duration
	progress int
	metrics  *Metrics
	activity Activity
	bad      badEntries
	counted  countedTo
	quiet    quietUntil
}

// Options tune a Poller.
type Options struct {
	Now     func() time.Time // clock; nil = time.Now
	Workers int              // concurrent batches per channel; default 4
	History int              // concurrent history requests per batch; default 4
	// HistoryTime bounds the history requests of one batch, so that one
	// letter whose history hangs does not hold back the batch's changes:
	// histories not in by then are asked for at the next poll; default 30 s.
	HistoryTime time.Duration
	Lease       time.Duration // how long a claim holds; default 10 minutes
	MaxWait     time.Duration // the longest wait between two polls of a letter (NextPoll); 0 = by its age only
	Progress    int           // log a progress line every this many shipments; default 10,000
	Metrics     *Metrics      // nil = none
	Activity    Activity      // where each batch's calls are recorded; nil = nowhere
}

// New returns a poller.
func New(st Store, log *slog.Logger, opt Options) *Poller {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.History <= 0 {
		opt.History = 4
	}
	if opt.HistoryTime <= 0 {
		opt.HistoryTime = 30 * time.Second
	}
	if opt.Lease <= 0 {
		opt.Lease = 10 * time.Minute
	}
	if opt.Progress <= 0 {
		opt.Progress = 10000
	}
	return &Poller{store: st, log: log, now: opt.Now, workers: opt.Workers, history: opt.History, histTime: opt.HistoryTime, lease: opt.Lease,
		maxWait: opt.MaxWait, progress: opt.Progress, metrics: opt.Metrics, activity: opt.Activity}
}

// Summary counts what one cycle did.
type Summary struct {
	Polled     int // shipments asked about; of a feed (Digital Post), the log's entries the cycle's windows read
	Changed    int // state changes applied
	Errors     int // shipments whose answer could not be used, or whose call failed
	Unknown    int // shipments the channel has never heard of
	Calls      int // channel calls made, narrowing included
	Failed     int // channel calls that failed, but those that failed only for a letter narrowing isolated (narrow.go)
	Batches    int // batches claimed and asked about
	Unanswered int // batches of which no call was answered
	// Unregistered: feed entries about letters postvakt does not know
	// (counted, not stored).
	Unregistered int
	// Reread: feed entries the wide re-read read (reread.go), not
	// counted in Polled: the windows read most of them before. Late: those
	// it kept that showed in the log later than the overlap reaches.
	Reread, Late int
	// Forgotten: letters the channel answered about before and now says it
	// does not know, each made its own error (forgotten.go); counted in
	// Errors too.
	Forgotten int
	// Forgetful: batches whose "not known" answers were taken as the
	// channel's failure (ErrForgetful); Untrusted: those answers.
	Forgetful, Untrusted int
}

func (s Summary) String() string {
	return fmt.Sprintf("polled=%d changed=%d errors=%d unknown=%d", s.Polled, s.Changed, s.Errors, s.Unknown)
}

func (s *Summary) add(o Summary) {
	s.Polled += o.Polled
	s.Changed += o.Changed
	s.Errors += o.Errors
	s.Unknown += o.Unknown
	s.Calls += o.Calls
	s.Failed += o.Failed
	s.Batches += o.Batches
	s.Unanswered += o.Unanswered
	s.Unregistered += o.Unregistered
	s.Reread += o.Reread
	s.Late += o.Late
	s.Forgotten += o.Forgotten
	s.Forgetful += o.Forgetful
	s.Untrusted += o.Untrusted
}

// UnknownGrace is how long after sending a shipment the channel may not
// know it yet before it is marked unknown_to_channel.
const UnknownGrace = time.Hour

// ErrUnreachable is returned by Cycle when the channel answered none of
// its batches: a channel that answered, even if some letters' answers were
// bad, was reached.
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
		// throttled: the channel asked to be left alone (429, or a long
		// Retry-After): no worker claims another batch this cycle.
		throttled atomic.Bool
		// forgetful: the channel said it does not know letters it knew
		// (distrust): the cycle takes no "not known" answer any more.
		forgetful atomic.Bool
	)
	start := p.now()
	account := func(s Summary, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		sum.add(s)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return err == nil
	}
	for w := 0; w < p.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A panic here (an adapter meeting an answer it did not
			// expect) is the cycle's error, as jobs makes a job's own
			// panic: outside the job's goroutine it took the process down.
			defer p.recovered(ch.Name(), afterLease, func(err error) { account(Summary{}, err) })
			// Each worker writes a batch while it claims and asks about the
			// next one: the channel's answers and the database's writes
			// overlap instead of taking turns.
			var writing chan Summary
			var writeErr error
			finish := func() bool {
				if writing == nil {
					return true
				}
				s := <-writing
				writing = nil
				return account(s, writeErr)
			}
			defer finish()
			for ctx.Err() == nil && !jobs.Draining(ctx) && !throttled.Load() {
				f, err := p.fetch(ctx, ch, start, &forgetful)
				if err != nil || f.n == 0 {
					account(f.sum, err)
					return
				}
				limited := f.throttled
				if _, ok := httpclient.Throttled(f.callErr); ok {
					limited = f.callErr
				}
				if limited != nil && !throttled.Swap(true) {
					wait, _ := httpclient.Throttled(limited)
					p.log.Warn("the channel asks to be left alone; the cycle stops and its letters wait as long as it asked",
						"channel", ch.Name(), "error", limited)
					p.quiet.set(ch.Name(), f.now.Add(wait))
				}
				if !finish() {
					account(f.sum, nil) // claimed, not written: the lease brings them back
					return
				}
				total := seen.Add(int64(f.n))
				if total/int64(p.progress) != (total-int64(f.n))/int64(p.progress) {
					p.log.Info("poll progress", "channel", ch.Name(), "shipments", total)
				}
				writing = make(chan Summary, 1)
				go func(f fetched, out chan<- Summary) {
					defer func() { out <- f.sum }()
					defer p.recovered(ch.Name(), afterLease, func(err error) { writeErr = err })
					writeErr = p.write(ctx, ch, &f)
				}(f, writing)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return sum, firstErr
	}
	if sum.Forgetful > 0 {
		return sum, forgetfulErr(ch.Name(), sum)
	}
	if sum.Batches > 0 && sum.Unanswered == sum.Batches {
		return sum, fmt.Errorf("%s: %w (%d calls failed)", ch.Name(), ErrUnreachable, sum.Failed)
	}
	return sum, ctx.Err()
}

// afterLease is what becomes of a poll worker's letters after its panic.
const afterLease = "its letters come back after their lease"

// recovered, deferred in a goroutine of a poll cycle, hands a panic there
// to fail as an error and logs it with its stack and then, what becomes of
// the letters the goroutine held.
func (p *Poller) recovered(channel, then string, fail func(error)) {
	r := recover()
	if r == nil {
		return
	}
	err := fmt.Errorf("poll %s: panic: %v", channel, r)
	p.log.Error("poll worker panicked; "+then, "channel", channel, "error", err,
		"stack", string(debug.Stack()))
	fail(err)
}

// fetched is one claimed batch, asked about, ready to be written.
type fetched struct {
	sum        Summary
	n          int // shipments claimed; zero: nothing due
	now        time.Time
	results    []store.PollResult
	unanswered []store.Due // no call answered about them
	callErr    error
	// untrusted: letters whose "not known" answer was the channel's
	// failure (distrust), recorded as a failed call for untrustedErr.
	untrusted    []store.Due
	untrustedErr error
	took         time.Duration // asking the channel
	// throttled: a history request was answered with the channel's rate
	// limit (httpclient.Throttled); the batch asked for no more histories.
	throttled error
}

// fetch claims one batch and asks the channel about it, fetching the
// history of every shipment whose state changed (History at a time). The
// channel's "not known" answers are judged first (distrust, forgotten.go).
func (p *Poller) fetch(ctx context.Context, ch channel.Channel, asOf time.Time, forgetful *atomic.Bool) (fetched, error) {
	var f fetched
	// asOf says what is due (the cycle's start, so that the cycle ends);
	// the lease runs from the claim: one from asOf would leave a cycle
	// longer than a lease claiming its later batches already lapsed, for
	// another replica to take while they are being asked about.
	lease := p.lease + max(p.now().Sub(asOf), 0)
	due, err := p.store.ClaimDue(ctx, ch.Name(), asOf, ch.BatchSize(), lease)
	if err != nil || len(due) == 0 {
		return f, err
	}
	f.n = len(due)
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ChannelID
	}
	f.sum.Polled, f.sum.Batches = len(due), 1
	started := time.Now()
	ans := p.ask(ctx, ch, ids, &f.sum)
	f.took = time.Since(started)
	if ctx.Err() != nil {
		// Stopped mid-call (a deploy's hard stop): the batch is given back
		// now rather than after the lease.
		claimed := make([]string, len(due))
		for i, d := range due {
			claimed[i] = d.ID
		}
		if err := p.store.ReleaseClaims(context.WithoutCancel(ctx), claimed, asOf.Add(lease)); err != nil {
			p.log.Warn("claimed shipments not given back; the lease brings them back", "channel", ch.Name(), "error", err)
		}
		return f, ctx.Err()
	}
	f.now = p.now()
	if !ans.answered {
		f.sum.Unanswered++
	}
	f.callErr = ans.callErr
	var asked []store.Due
	for _, d := range due {
		if ans.failed[d.ChannelID] {
			f.unanswered = append(f.unanswered, d)
			continue
		}
		asked = append(asked, d)
	}
	if f.untrusted, f.untrustedErr = p.distrust(ctx, ch, asked, ans.obs, f.now, forgetful, &f.sum); f.untrusted != nil {
		untrusted := make(map[string]bool, len(f.untrusted))
		for _, d := range f.untrusted {
			untrusted[d.ID] = true
		}
		asked = slices.DeleteFunc(asked, func(d store.Due) bool { return untrusted[d.ID] })
	}
	f.results = make([]store.PollResult, len(asked))
	hctx, cancel := context.WithTimeout(ctx, p.histTime)
	defer cancel()
	// At the soft stop the histories still asked for are left to the next
	// poll: the batch's answers are written now, not cut by the hard stop
	// while histories (one request per letter) are waited for.
	go func() {
		select {
		case <-jobs.DrainingCh(ctx):
			cancel()
		case <-hctx.Done():
		}
	}()
	// A history answered with the channel's rate limit stops the batch's
	// other history requests (theirs are asked for at the next poll).
	var throttled atomic.Pointer[error]
	var hist func(context.Context, string, time.Time) (json.RawMessage, error)
	if h, ok := ch.(historian); ok {
		hist = func(ctx context.Context, id string, changedAt time.Time) (json.RawMessage, error) {
			var raw json.RawMessage
			var err error
			if dated, ok := h.(channel.HistoryAsOfFetcher); ok {
				raw, err = dated.HistoryAsOf(ctx, id, changedAt)
			} else {
				raw, err = h.History(ctx, id)
			}
			if _, ok := httpclient.Throttled(err); ok && throttled.CompareAndSwap(nil, &err) {
				cancel()
			}
			return raw, err
		}
	}
	// History workers, not a goroutine per shipment: each new goroutine
	// grew its stack through the HTTP client again (morestack and
	// copystack were 8 % of the poller's CPU).
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(p.history, len(asked)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d := asked[i]
				o, ok := ans.obs[d.ChannelID]
				if !ok {
					o = channel.Observation{ChannelID: d.ChannelID, Err: fmt.Errorf("%w: the channel's answer did not mention this shipment", channel.ErrNotKnown)}
				}
				func() {
					// A panic here (a history the adapter did not expect)
					// is this letter's error, retried after its backoff:
					// the batch's other letters are written.
					defer p.recovered(ch.Name(), "the letter's answer is its error", func(err error) {
						f.results[i] = p.result(hctx, ch, nil, d, channel.Observation{ChannelID: d.ChannelID, Err: err}, f.now)
					})
					f.results[i] = p.result(hctx, ch, hist, d, o, f.now)
				}()
			}
		}()
	}
	for i := range asked {
		next <- i
	}
	close(next)
	wg.Wait()
	if e := throttled.Load(); e != nil {
		f.throttled = *e
		wait, _ := httpclient.Throttled(*e)
		for i := range f.results {
			if r := &f.results[i]; r.HistoryErr != "" && r.NextPollAt != nil && r.NextPollAt.Before(f.now.Add(wait)) {
				at := f.now.Add(wait)
				r.NextPollAt = &at
			}
		}
	}
	missing, first := 0, ""
	for i := range f.results {
		if e := f.results[i].HistoryErr; e != "" {
			if missing++; first == "" {
				first = e
			}
		}
	}
	if missing > 0 { // one line per batch, not one per letter when the history endpoint is down
		p.log.Warn("histories could not be fetched; the changes are kept, their histories asked for at the next poll",
			"channel", ch.Name(), "letters", missing, "first_error", first)
	}
	for i, r := range f.results {
		switch {
		case r.NotKnown:
			f.sum.Errors++
			f.sum.Forgotten++
			p.log.Warn("the channel says it does not know a letter it answered about before; not marked, retried later on its own",
				"channel", ch.Name(), "shipment", asked[i].ID, "not_known_since", asked[i].NotKnownSince, "error", r.Err)
		case r.Err != "":
			f.sum.Errors++
			p.log.Warn("unusable answer about one shipment; it is retried later on its own",
				"channel", ch.Name(), "shipment", asked[i].ID, "status", store.CleanText(r.Status), "error", r.Err)
		case r.Unknown:
			f.sum.Unknown++
			if asked[i].UnknownSince == nil {
				p.log.Info("the channel has never heard of this shipment", "channel", ch.Name(), "shipment", asked[i].ID)
			}
		}
	}
	return f, nil
}

// write stores what fetch learned: the calls that failed as a whole, and
// every answer in one set-based transaction (store.ApplyPoll).
func (p *Poller) write(ctx context.Context, ch channel.Channel, f *fetched) error {
	if len(f.unanswered) > 0 {
		f.sum.Errors += len(f.unanswered)
		if err := p.recordCallError(ctx, ch, f.unanswered, f.callErr, f.now); err != nil {
			return err
		}
	}
	if len(f.untrusted) > 0 {
		// Logged once, by the cycle's error (ErrForgetful).
		f.sum.Errors += len(f.untrusted)
		if err := p.store.RecordPollError(ctx, ch.Name(), f.now, dueIDs(f.untrusted), retries(f.untrusted, f.untrustedErr, f.now),
			f.untrustedErr, ""); err != nil {
			return err
		}
	}
	if len(f.results) == 0 {
		p.recordCalls(ctx, ch.Name(), f.now, f.sum, f.took, f.callErr, nil)
		return nil
	}
	w, err := p.store.ApplyPoll(ctx, f.results)
	if err != nil {
		return fmt.Errorf("write %s poll results: %w", ch.Name(), err)
	}
	f.sum.Changed = w.Changed
	p.metrics.changes(ch.Name(), w)
	p.recordCalls(ctx, ch.Name(), f.now, f.sum, f.took, f.callErr, f.results)
	if w.Refused > 0 {
		p.log.Warn("impossible transitions refused", "channel", ch.Name(), "count", w.Refused)
	}
	for _, u := range w.Unwritable {
		p.log.Warn("the database refused one shipment's answer; the rest of the batch was written",
			"channel", ch.Name(), "shipment", u.ShipmentID, "answer_dropped", u.Dropped, "error", u.Err)
	}
	return nil
}

// recordCallError keeps a call that failed as a whole as evidence and
// retries its shipments later, each after its own backoff, and not before
// the channel's Retry-After when it asked for a longer wait.
func (p *Poller) recordCallError(ctx context.Context, ch channel.Channel, due []store.Due, callErr error, now time.Time) error {
	p.log.Warn("channel call failed; shipments keep their state and are retried later",
		"channel", ch.Name(), "shipments", len(due), "error", callErr)
	return p.store.RecordPollError(ctx, ch.Name(), now, dueIDs(due), retries(due, callErr, now), callErr, rawOf(callErr))
}

// dueIDs are the shipment ids of due.
func dueIDs(due []store.Due) []string {
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	return ids
}

// retries are when to poll due again after a failed call: each after its
// own backoff, and not before the channel's Retry-After when it asked for
// a longer wait.
func retries(due []store.Due, callErr error, now time.Time) []time.Time {
	wait, _ := httpclient.Throttled(callErr)
	retry := make([]time.Time, len(due))
	for i, d := range due {
		retry[i] = now.Add(max(Backoff(d.PollFailures+1), wait))
	}
	return retry
}
