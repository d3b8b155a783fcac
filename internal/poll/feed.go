package poll

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// FeedStore is what reading a feed channel needs from storage beyond Store.
type FeedStore interface {
	FeedCursor(ctx context.Context, channel string) (time.Time, bool, error)
	EarliestSent(ctx context.Context, channel string) (time.Time, bool, error)
	ApplyFeed(ctx context.Context, a store.FeedApply) (store.FeedWrite, error)
	MarkFeedSynced(ctx context.Context, channel string, now, sentFrom time.Time) (int, error)
	ScheduleUnheard(ctx context.Context, channel string, from, to, at time.Time) (int, error)
	FeedReread(ctx context.Context, channel string) (store.FeedReread, bool, error)
	StartFeedReread(ctx context.Context, channel string, from, to time.Time) error
	FinishFeedReread(ctx context.Context, channel string, at time.Time) error
	WantFeedReread(ctx context.Context, channel string, from, at time.Time, shipmentIDs []string) error
	TryExclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error)
}

// FeedWindow is the longest window one read of a feed covers; a longer
// span (a first read, a long pause) is read in windows of this size, the
// cursor moving after each.
const FeedWindow = 24 * time.Hour

// UnheardSpan is how far back, before the grace, a feed cycle looks for
// letters the log has never mentioned (ScheduleUnheard): a poller stopped
// for longer leaves older ones unmarked.
const UnheardSpan = 48 * time.Hour

// errDraining stops a read between two pages at the soft stop.
var errDraining = errors.New("stopping: no new page")

// feedCycle reads a feed channel once, step by step, under a cluster-wide
// lock (replicas would only read the same log twice):
//
//  1. Back-fill: shipments registered since the last cycle are due. Those
//     sent before the window starts may have entries the window will not
//     reach (registered after their entries were read, or discovered), so
//     their whole log is looked up one by one (the channel's Status); the
//     others are left to the window. Either way they are then marked read.
//     Letters marked unknown_to_channel whose backoff ended are looked up
//     again.
//  2. The window: every entry created since the cursor minus the overlap,
//     page by page, each page in one transaction. The cursor moves when
//     the read has run to its end, to the latest entry written before a
//     gap; a read stopped midway (failed, the soft stop, a process
//     killed) reads the window again. (A log that does not give its entries oldest
//     first moves the cursor only once a window is read whole.)
//  3. The unheard: the letters that, now the log is read, no entry has
//     mentioned an UnknownGrace after they were sent (ScheduleUnheard) are
//     looked up one by one; a letter the log does not know is marked
//     unknown_to_channel, as the per-id channels do, and looked up again
//     after its backoff (at least the grace); the first entry about it
//     clears the mark. Only these: a first read of letters registered long
//     after they were sent asks about none of those the log mentions.
//  4. The re-read (reread.go), when one is due: the log again, further
//     back than the overlap, for entries that showed in it late.
//
// Entries are evidence once (by their log id); entries about shipments
// postvakt does not know are counted, not stored.
func (p *Poller) feedCycle(ctx context.Context, f channel.Feed) (Summary, error) {
	fs, ok := p.store.(FeedStore)
	if !ok {
		return Summary{}, fmt.Errorf("%s is a feed channel, and the store cannot keep a feed's cursor", f.Name())
	}
	var sum Summary
	var err error
	ran, lockErr := fs.TryExclusive(ctx, "feed:"+f.Name(), func(ctx context.Context) error {
		sum, err = p.readFeed(ctx, fs, f)
		if err == nil && !jobs.Draining(ctx) {
			err = p.reread(ctx, fs, f, &sum)
		}
		return nil
	})
	if lockErr != nil {
		return sum, lockErr
	}
	if !ran {
		p.log.Info("feed is being read by another replica; skipped", "channel", f.Name())
	}
	if err == nil && sum.Unregistered > 0 {
		p.log.Info("log entries about letters postvakt does not know were counted, not stored",
			"channel", f.Name(), "entries", sum.Unregistered)
	}
	if err == nil && sum.Forgetful > 0 {
		err = forgetfulErr(f.Name(), sum)
	}
	return sum, err
}

func (p *Poller) readFeed(ctx context.Context, fs FeedStore, f channel.Feed) (Summary, error) {
	var sum Summary
	name := f.Name()
	now := p.now()
	cursor, ok, err := fs.FeedCursor(ctx, name)
	if err != nil {
		return sum, err
	}
	from := cursor.Add(-f.Overlap())
	// counted: the entries created up to the cursor were read, and those
	// about letters postvakt does not know counted, by an earlier cycle;
	// the overlap reads them again. So were those up to p.counted's mark,
	// which a read on from a gap, or a cursor a gap holds, reads again.
	counted := cursor
	if !ok {
		counted = time.Time{}
		first, any, err := fs.EarliestSent(ctx, name)
		if err != nil {
			return sum, err
		}
		from = now.Add(-f.Overlap())
		if any {
			from = first.Add(-f.Overlap())
		}
	}
	// Those sent after the window starts need nothing but the window: one
	// statement marks them read (a claim and a write per batch of them was
	// most of a first read's database time).
	if _, err := fs.MarkFeedSynced(ctx, name, now, from.Add(model.MaxFutureSkew)); err != nil {
		return sum, err
	}
	var forgetful atomic.Bool // distrust: the log's look-ups say they do not know letters it mentioned
	if err := p.lookUp(ctx, fs, f, from, now, false, &forgetful, &sum); err != nil || jobs.Draining(ctx) {
		return sum, err
	}
	// Windows of FeedWindow up to our now; the last one is open-ended: it
	// reads up to the log's own now, whatever our clock says. held: a gap
	// holds the cursor (keepGap), and a catch-up's later windows with it.
	held := false
	for a := from; ; {
		b := a.Add(FeedWindow)
		last := !b.Before(now)
		if last {
			b = time.Time{}
		}
		sum.Calls++
		started := time.Now()
		var read []channel.FeedEvent
		// Page k is written while page k+1 is read; the pages are written
		// one at a time, in order, so the cursor only moves forward.
		var writing chan error
		wait := func() error {
			if writing == nil {
				return nil
			}
			err := <-writing
			writing = nil
			return err
		}
		var written Summary // the writer's counts, merged after each wait
		// moved: the pages written before any gap, up to whose latest entry
		// the cursor moves when the read has run to its end. Not with each
		// page, nor when the read stops midway: a log may say only at its
		// end that it gave fewer entries than it counted (a gap without a
		// place, which holds the cursor at the window's start), and the
		// cursor never moves back. Past a gap,
		// pages do not move it: a crash then re-reads the gap. A log that
		// does not give its entries oldest first has older entries on later
		// pages: a page's latest entry says nothing of where the read
		// stands, so the cursor moves only once the window is read whole.
		var moved []channel.FeedEvent
		var order pageOrder
		err := f.Events(ctx, a, b, func(page []channel.FeedEvent) error {
			if !order.see(page) {
				return nil
			}
			read = append(read, page...)
			if err := wait(); err != nil {
				return err
			}
			writing = make(chan error, 1)
			moves := !held && !order.gapped && order.ordered()
			go func(out chan<- error, ordered bool) {
				var err error
				defer func() { out <- err }()
				// A panic here is the read's error: the cursor stays, the
				// window is read again at the next cycle.
				defer p.recovered(name, "the window is read again", func(e error) { err = e })
				err = p.writeFeedPage(ctx, fs, name, page, nil, feedPage{counted: p.counted.since(name, counted)}, &written)
				if err == nil && ordered {
					p.counted.advance(name, page)
				}
				if err == nil && moves {
					moved = append(moved, page...) // read by the cycle after the wait
				}
			}(writing, order.ordered())
			if jobs.Draining(ctx) {
				if err := wait(); err != nil {
					return err
				}
				return errDraining // the page is written; the cursor stays: the next start reads the window again
			}
			return nil
		})
		if werr := wait(); werr != nil || err == nil {
			err = werr // a page not written outweighs how the read ended (a gap, the soft stop)
		}
		sum.add(written)
		p.metrics.call(name, err, time.Since(started))
		p.recordFeed(ctx, name, now, time.Since(started), err, written.Changed, read)
		if !order.ordered() {
			if p.bad.first(name, "unordered log", now) {
				p.log.Warn("the event log does not list its entries oldest first (sortFields=created:asc); its cursor moves only when a window was read whole",
					"channel", name, "from", a)
			}
			if err == nil && !held {
				if err := p.moveCursor(ctx, fs, name, now, read); err != nil {
					return sum, err
				}
			}
		}
		var gap *channel.GapError
		gapped := errors.As(err, &gap)
		// Only a read that ran to its end moves the cursor: whether the log
		// gave fewer entries than it counted (a gap without a place) shows
		// only there. A read stopped midway (a failure, a page not written,
		// the soft stop) leaves it where it stood, and the next cycle reads
		// the window again (each entry is kept once).
		if ended := err == nil || gapped && !gap.After.IsZero(); ended && order.ordered() && !held && ctx.Err() == nil {
			if err := p.moveCursor(ctx, fs, name, now, moved); err != nil {
				return sum, err
			}
		}
		if errors.Is(err, errDraining) {
			return sum, nil
		}
		if gapped {
			if !order.ordered() {
				// The entries before the gap are not the oldest: reading
				// on from them may pass older ones.
				gap.After = time.Time{}
			}
			if gap.After.IsZero() {
				// Nothing readable came before the gap (the first page
				// came back empty): it lies at the window's start, and
				// holds the cursor there like any other.
				gap.After = a
			}
			// The pages around the gap were read and written. A new read
			// from the last entry before it may reach what the log left
			// out (a log still indexing, a cap on how deep pages go); each
			// such read starts later, so this ends.
			if resume := gap.After.Add(-time.Millisecond); resume.After(a) {
				p.log.Info("the event log gave less than it announced; reading on from the last entry before the gap",
					"channel", name, "from", gap.After, "gap", gap.Reason)
				a = resume
				continue
			}
			kept, kerr := p.keepGap(ctx, fs, name, now, gap, read, &sum)
			if held, err = held || kept, kerr; err != nil {
				return sum, err
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			sum.Failed++
			sum.Errors++
			p.log.Warn("reading the event log failed; the next cycle starts again from the cursor",
				"channel", name, "from", a, "error", err)
			if rerr := p.store.RecordPollError(ctx, name, now, nil, nil, err, rawOf(err)); rerr != nil {
				return sum, rerr
			}
			return sum, fmt.Errorf("%s: read the event log from %s: %w", name, a.Format(time.RFC3339), err)
		}
		if last {
			break
		}
		// The next window starts a millisecond (the log's time resolution)
		// before this one ended: a log that reads its bounds as exclusive
		// would otherwise skip an entry stored exactly at b. An entry both
		// windows give is kept once (by its log id).
		a = b.Add(-time.Millisecond)
	}
	// The log was read up to its now: a letter sent an UnknownGrace ago
	// that no entry has mentioned is looked up on its own.
	to := now.Add(-UnknownGrace)
	n, err := fs.ScheduleUnheard(ctx, name, to.Add(-UnheardSpan), to, now)
	if err != nil || n == 0 {
		return sum, err
	}
	p.log.Info("letters the event log has not mentioned since they were sent are looked up one by one", "channel", name, "letters", n)
	return sum, p.lookUp(ctx, fs, f, from, now, true, &forgetful, &sum)
}

// lookUp handles the due shipments, a batch at a time: those sent before
// from, those marked unknown_to_channel and, after the window was read
// (unheard), those still registered an UnknownGrace after they were sent
// have their whole log looked up on their own; the others are marked read
// (the window reads their log).
func (p *Poller) lookUp(ctx context.Context, fs FeedStore, f channel.Feed, from, now time.Time, unheard bool, forgetful *atomic.Bool, sum *Summary) error {
	name := f.Name()
	grace := now.Add(-UnknownGrace)
	for ctx.Err() == nil && !jobs.Draining(ctx) {
		// now says what is due; the lease runs from the claim (fetch).
		due, err := p.store.ClaimDue(ctx, name, now, f.BatchSize(), p.lease+max(p.now().Sub(now), 0))
		if err != nil || len(due) == 0 {
			return err
		}
		var synced, ask []string
		for _, d := range due {
			if d.SentAt.Add(-model.MaxFutureSkew).Before(from) || d.UnknownSince != nil ||
				unheard && d.State == model.StateRegistered && d.SentAt.Before(grace) {
				ask = append(ask, d.ChannelID)
			} else {
				synced = append(synced, d.ID)
			}
		}
		var events []channel.FeedEvent
		var unknown []store.PollResult // unknown to the log, forgotten by it, or a look-up failed: each letter's own
		var throttled error            // a letter's look-up answered with the log's rate limit
		if len(ask) > 0 {
			byChannelID := make(map[string]store.Due, len(due))
			for _, d := range due {
				byChannelID[d.ChannelID] = d
			}
			sum.Calls++
			started := time.Now()
			obs, callErr := f.Status(ctx, ask)
			p.metrics.call(name, callErr, time.Since(started))
			var got []channel.FeedEvent
			for _, o := range obs {
				got = append(got, o.Events...)
			}
			p.recordFeed(ctx, name, now, time.Since(started), callErr, 0, got)
			if callErr != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// Those asked about stay due after the lease; the others
				// are read by the window.
				sum.Failed++
				sum.Errors += len(ask)
				p.log.Warn("looking up letters' logs failed; they are tried again later", "channel", name, "letters", len(ask), "error", callErr)
				wait, throttled := httpclient.Throttled(callErr)
				ids, retry := make([]string, len(ask)), make([]time.Time, len(ask))
				for i, id := range ask {
					ids[i], retry[i] = byChannelID[id].ID, now.Add(max(Backoff(byChannelID[id].PollFailures+1), wait))
				}
				if err := p.store.RecordPollError(ctx, name, now, ids, retry, callErr, rawOf(callErr)); err != nil {
					return err
				}
				if throttled {
					// The log's rate limit, not these letters': the cycle
					// asks it nothing more (Poll keeps it quiet).
					return callErr
				}
			} else {
				untrusted, err := p.distrustLookUps(ctx, f, ask, byChannelID, obs, now, forgetful, sum)
				if err != nil {
					return err
				}
				if err := p.refusedLookUps(ctx, fs, f, obs, byChannelID, from, now); err != nil {
					return err
				}
				for _, o := range obs {
					d := byChannelID[o.ChannelID]
					switch {
					case untrusted[d.ID]:
					case errors.Is(o.Err, channel.ErrNotKnown) && knew(d) && !ripe(d, now):
						// Known to the log before: this letter's error
						// until its grace is over (forgotten.go).
						sum.Errors++
						sum.Forgotten++
						retry := now.Add(Backoff(d.PollFailures + 1))
						unknown = append(unknown, store.PollResult{Due: d, Source: name, ObservedAt: now, Status: d.ChannelStatus, State: d.State,
							Err: forgottenErr(o.Err).Error(), NotKnown: true, NextPollAt: &retry, RetryAt: retry})
						p.log.Warn("the event log has no entry of a letter it mentioned before; not marked, looked up again later",
							"channel", name, "shipment", d.ID, "not_known_since", d.NotKnownSince)
					case errors.Is(o.Err, channel.ErrNotKnown) && now.Sub(d.SentAt) >= UnknownGrace:
						unknown = append(unknown, unknownResult(name, d, now))
						sum.Unknown++
						if d.UnknownSince == nil {
							p.log.Info("the channel has never heard of this shipment", "channel", name, "shipment", d.ID)
						}
					case o.Err == nil, errors.Is(o.Err, channel.ErrNotKnown):
						synced = append(synced, d.ID)
						events = append(events, o.Events...)
					case errors.Is(o.Err, channel.ErrLookupRefused):
						// Its time is read again (refusedLookUps); until
						// then the letter's own error, with its backoff. The
						// client said once why.
						sum.Errors++
						retry := now.Add(Backoff(d.PollFailures + 1))
						unknown = append(unknown, store.PollResult{Due: d, Source: name, ObservedAt: now, Status: d.ChannelStatus, State: d.State,
							Err: o.Err.Error(), NextPollAt: &retry, RetryAt: retry})
					default:
						sum.Errors++
						if wait, limited := httpclient.Throttled(o.Err); limited {
							// The log's rate limit, not this letter's: asked
							// again once it is over (at least the lease),
							// nothing in its evidence.
							if throttled == nil {
								throttled = o.Err
							}
							next := now.Add(max(wait, p.lease))
							unknown = append(unknown, store.PollResult{Due: d, Source: name, ObservedAt: now, Status: d.ChannelStatus, State: d.State,
								Skipped: true, NextPollAt: &next, RetryAt: next})
							break
						}
						// This letter's error, with its own backoff, as a
						// polled letter's.
						retry := now.Add(Backoff(d.PollFailures + 1))
						unknown = append(unknown, store.PollResult{Due: d, Source: name, ObservedAt: now, Status: d.ChannelStatus, State: d.State,
							Err: o.Err.Error(), NextPollAt: &retry, RetryAt: retry})
						p.log.Warn("could not look up a letter's log; tried again after its backoff", "channel", name,
							"shipment", d.ID, "error", o.Err)
					}
				}
			}
		}
		if err := p.writeFeedPage(ctx, fs, name, events, synced, feedPage{}, sum); err != nil {
			return err
		}
		if len(unknown) > 0 {
			if _, err := p.store.ApplyPoll(ctx, unknown); err != nil {
				return fmt.Errorf("write the look-ups of %s letters unknown to the log, forgotten by it or not answered: %w", name, err)
			}
		}
		if throttled != nil {
			// Some letters were looked up before the log asked to be left
			// alone (written above); the rest wait for their lease, and the
			// cycle asks nothing more.
			return throttled
		}
	}
	return ctx.Err()
}

// unknownResult marks a shipment the log does not know an UnknownGrace
// after it was sent: unknown_to_channel (an event the first time), looked
// up again after its backoff, but not before another grace: the window
// reads every new entry meanwhile.
func unknownResult(channel string, d store.Due, now time.Time) store.PollResult {
	retry := now.Add(max(Backoff(d.PollFailures+1), UnknownGrace))
	return store.PollResult{Due: d, Source: channel, ObservedAt: now, Status: d.ChannelStatus, State: d.State,
		Unknown: true, NextPollAt: &retry, RetryAt: retry}
}

// feedPage says what a page of entries is, beyond its entries.
type feedPage struct {
	// reread: a re-read's page (reread.go). Its entries about letters
	// postvakt does not know are not counted again: the window that read
	// them first counted them. progress, when not zero, moves the
	// re-read's progress to it (never the cursor).
	reread   bool
	progress time.Time
	// late: an entry created before it and kept for the first time
	// showed in the log later than the overlap (of overlap) reaches; it
	// is counted and logged.
	late    time.Time
	overlap time.Duration
	// lateFrom: an entry created before it is never late: only a re-read
	// reaching further back than usual, for letters registered after
	// their entries went by (WantFeedReread), reads it.
	lateFrom time.Time
	// counted: an entry created at or before it about a letter postvakt
	// does not know was counted by the cycle that read it first (the
	// window's overlap reads it again): it is not counted again.
	counted time.Time
}

// writeFeedPage writes one page of entries (and marks shipments read) in
// one transaction, moving a re-read's progress to how.progress (never the
// cursor: readFeed moves it when a window's read has run to its end). Unreadable entries
// are counted, logged and kept as poll errors; so is an entry dated further
// in the future than clocks drift, as a polled status would be
// (checkTime): it neither changes the letter nor moves the cursor
// (moveCursor passes it), so the window reads it again, and it is
// taken once its time has come. (An entry whose eventTime alone is ahead
// is taken at its created instead.) An entry dated long before its letter was
// sent (epoch seconds read as milliseconds land in 1970, a sent time given late)
// is taken at the letter's sent time, its evidence saying so (atSent), as a
// polled status is.
func (p *Poller) writeFeedPage(ctx context.Context, fs FeedStore, name string, page []channel.FeedEvent, synced []string, how feedPage, sum *Summary) error {
	now := p.now()
	a := store.FeedApply{Channel: name, Synced: synced, Reread: how.progress, Check: func(at, sentAt time.Time) error { return checkTime(at, sentAt, now) },
		Place: atSent}
	limit := now.Add(model.MaxFutureSkew)
	for _, e := range page {
		if how.reread {
			sum.Reread++ // read again: not the cycle's new reading
		} else {
			sum.Polled++
		}
		var ahead bool
		if e.Err == nil {
			e.At, ahead = feedTime(e, limit)
		}
		if ahead {
			e.Err = fmt.Errorf("%w: the log dates the entry %s (created %s), in the future; it is read again when its time has come",
				channel.ErrBadTimestamp, e.At.UTC().Format(time.RFC3339), e.Logged.UTC().Format(time.RFC3339))
		}
		if e.Err != nil {
			if !p.bad.first(name, e.ID, now) {
				continue // kept already: the overlap reads it again
			}
			sum.Errors++
			p.log.Warn("unreadable log entry skipped", "channel", name, "entry", shownEntry(e.ID), "error", e.Err)
			if err := p.store.RecordPollError(ctx, name, p.now(), nil, nil, e.Err, string(e.Payload)); err != nil {
				return err
			}
			continue
		}
		if e.ChannelID == "" {
			continue // about no letter (e.g. the log's record of our own searches)
		}
		a.Entries = append(a.Entries, store.FeedEntry{ID: e.ID, ChannelID: e.ChannelID, Tag: e.Tag, State: e.State,
			Closed: string(e.Disposition), At: e.At, Payload: e.Payload, Counted: !e.Logged.After(how.counted)})
	}
	if len(a.Entries) == 0 && len(a.Synced) == 0 && a.Cursor.IsZero() && a.Reread.IsZero() {
		return nil
	}
	w, err := fs.ApplyFeed(ctx, a)
	if err != nil {
		return fmt.Errorf("write %s log entries: %w", name, err)
	}
	if how.reread {
		w.Unregistered = 0
		p.countLate(name, page, w.Kept, how, sum)
	}
	sum.Changed += w.Changed
	sum.Unregistered += w.Unregistered
	p.metrics.feed(name, w, how.reread)
	for _, r := range w.Refused {
		if !p.bad.first(name, r.Entry.ID, now) {
			continue
		}
		sum.Errors++
		p.log.Warn("log entry refused", "channel", name, "entry", shownEntry(r.Entry.ID), "shipment", r.ShipmentID, "error", r.Err)
		if err := p.store.RecordPollError(ctx, name, now, nil, nil, r.Err, string(r.Entry.Payload)); err != nil {
			return err
		}
	}
	return nil
}

// feedTime is when a log entry happened, for its letter and for the
// channel's last change (recordFeed), with limit our now plus the drift
// clocks may have: its eventTime, or its created when only the eventTime
// lies past limit. Dated ahead by its eventTime but stored by the log
// already, it happened by then (the notes: created is later than
// eventTime); the adapter keeps an eventTime more than a day after created,
// as created may be the wrong one, and one past our now is the wrong one.
// Refused, the entry would be lost once later entries moved the cursor
// past its created. ahead: dated in the future all the same (its created
// too), an entry read again when its time has come.
func feedTime(e channel.FeedEvent, limit time.Time) (at time.Time, ahead bool) {
	at = e.At
	if at.After(limit) && !e.Logged.After(limit) && channel.InEra(e.Logged) {
		at = e.Logged
	}
	return at, at.After(limit) || e.Logged.After(limit)
}

// feed counts a page's write. A re-read's entries kept before are
// counted under kind "reread", not "repeat": the windows counted most of
// them already, and a daily re-read of two days would double the figure.
func (m *Metrics) feed(ch string, w store.FeedWrite, reread bool) {
	if m == nil {
		return
	}
	repeat := "repeat"
	if reread {
		repeat = "reread"
	}
	m.results.WithLabelValues(ch, "state").Add(float64(w.Changed))
	m.results.WithLabelValues(ch, "event").Add(float64(w.Events))
	m.results.WithLabelValues(ch, repeat).Add(float64(w.Repeats))
	m.results.WithLabelValues(ch, "behind").Add(float64(w.Behind))
	m.results.WithLabelValues(ch, "unregistered").Add(float64(w.Unregistered))
}

// Discovered keeps the entries a discovery read about the letters it
// registered (registered maps their channel ids to shipment ids). whole
// says the discovery read every window from since up to the log's now
// without a gap: a letter sent after since has then had its whole log read,
// so it needs no back-fill either. Otherwise (a run with --until, a window
// the log gave incompletely) its later entries were not read, and the
// letter is looked up on its own.
func (p *Poller) Discovered(ctx context.Context, f channel.Feed, found []channel.Found, registered map[string]string, since time.Time, whole bool) (Summary, error) {
	var sum Summary
	fs, ok := p.store.(FeedStore)
	if !ok {
		return sum, fmt.Errorf("%s is a feed channel, and the store cannot keep a feed's entries", f.Name())
	}
	var events []channel.FeedEvent
	var synced []string
	for _, fd := range found {
		id, ok := registered[fd.ChannelID]
		if !ok {
			continue
		}
		events = append(events, fd.Observation.Events...)
		if whole && !fd.SentAt.Add(-model.MaxFutureSkew).Before(since) {
			synced = append(synced, id)
		}
	}
	err := p.writeFeedPage(ctx, fs, f.Name(), events, synced, feedPage{}, &sum)
	return sum, err
}

// shownEntry is a log entry's id as a log line shows it (model.Shown): the
// channel's text from outside, where a mis-mapped field may have put a
// recipient's CPR number.
func shownEntry(id string) string { return model.Shown(id, 80) }
