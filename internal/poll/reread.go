package poll

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// RereadPages bounds the pages one cycle's share of a re-read reads: a
// re-read of a busy log takes several cycles rather than holding the
// feed's lock, and the next cycle's new entries, for long. The next cycle
// goes on from where it stopped.
const RereadPages = 20

// errRereadPaused ends a cycle's share of a re-read between two pages.
var errRereadPaused = errors.New("re-read paused: the cycle's share of pages is read")

// reread reads a feed's log again, further back than the overlap, every
// so often (channel.Rereader): an entry that shows in the log more than
// the overlap after its created time lies before every later window, so
// only this finds it (a MEMO_AVAILABLE_TO_RECIPIENT never read would
// leave a delivered letter to be reminded or printed, without its proof).
//
// A re-read is due an interval after the last one finished (the first an
// interval after the channel's first cycle with re-reads), and reads the
// entries created from its reach before now up to the cursor as it
// stood when it started. Its entries go through the same writing as the
// window's: kept once by their log id (a re-read costs reads, never a
// second evidence row), states moving forward only, escalation ending
// as for any entry. It never moves the cursor. Its progress is written
// with each page (store.FeedApply.Reread), so a re-read stopped midway (a
// crash, the soft stop, RereadPages read) goes on from there at the next
// cycle. An entry it keeps for the first time that was created more than
// the overlap before the cursor is counted (postvakt_poll_results_total
// {kind="late"}) and logged by reference: the overlap is too short for
// this log. Its entries are counted apart from the cycle's reading
// (Summary.Reread, not Polled; those kept before under kind="reread", not
// "repeat"), so a cycle's figures do not double on the day it re-reads.
func (p *Poller) reread(ctx context.Context, fs FeedStore, f channel.Feed, sum *Summary) error {
	back, every, ok := rereadOf(f)
	if !ok {
		return nil
	}
	name := f.Name()
	now := p.now()
	// The late count shows at 0 before it counts (from the schedule:
	// Metrics.scheduled; here for a cycle run without one): Prometheus's
	// increase() sees no step in a series whose first sample is already 1,
	// and the alert on late entries would miss a process's first.
	p.metrics.late(name, 0)
	cursor, ok, err := fs.FeedCursor(ctx, name)
	if err != nil || !ok {
		return err // nothing read yet: nothing to read again
	}
	rr, ok, err := fs.FeedReread(ctx, name)
	if err != nil {
		return err
	}
	if !ok {
		// The log was just read (the first cycle, or the first with
		// re-reads): the first re-read is due an interval from now.
		return fs.FinishFeedReread(ctx, name, now)
	}
	if rr.From.IsZero() {
		// Letters whose own look-up the log refused (lookUp) want it read
		// again over their time, at once and as far back as they were sent.
		wanted := rr.Wanted
		if wanted.IsZero() && now.Before(rr.FinishedAt.Add(every)) {
			return nil
		}
		rr = store.FeedReread{From: now.Add(-back), To: cursor}
		if !wanted.IsZero() && wanted.Before(rr.From) {
			rr.From = wanted
		}
		if err := fs.StartFeedReread(ctx, name, rr.From, rr.To); err != nil {
			return err
		}
		if !rr.From.Before(rr.To) {
			// The log has been silent for longer than the reach: the
			// windows from the cursor read all of it.
			return fs.FinishFeedReread(ctx, name, now)
		}
		if wanted.IsZero() {
			p.log.Info("re-reading the event log further back than the overlap, for entries that showed in it late",
				"channel", name, "from", rr.From, "to", rr.To)
		} else {
			p.log.Info("re-reading the event log from the sent time of letters whose own look-up it refused",
				"channel", name, "from", rr.From, "to", rr.To)
		}
	}
	done, err := p.rereadSpan(ctx, fs, f, rr, cursor.Add(-f.Overlap()), now.Add(-back), now, sum)
	if err != nil || !done {
		return err
	}
	if err := fs.FinishFeedReread(ctx, name, now); err != nil {
		return err
	}
	p.log.Info("the re-read of the event log is done", "channel", name, "from", rr.From, "to", rr.To)
	return nil
}

// rereadSpan reads rr's span from where it stands, in windows of
// FeedWindow, page by page, each page written with the re-read's progress
// (only while the log gives its entries oldest first and no gap came: as
// the window's cursor). It reports whether the span was read to its end.
// Entries kept for the first time that were created before late, and not
// before lateFrom (the re-read's usual reach), are late.
func (p *Poller) rereadSpan(ctx context.Context, fs FeedStore, f channel.Feed, rr store.FeedReread, late, lateFrom, now time.Time, sum *Summary) (bool, error) {
	name := f.Name()
	a := rr.From
	if rr.Reached.After(a) {
		// From a millisecond before the latest entry read: others of that
		// millisecond may lie on the next page (kept once all the same).
		a = rr.Reached.Add(-time.Millisecond)
	}
	pages := 0
	for {
		b := a.Add(FeedWindow)
		if b.After(rr.To) {
			b = rr.To
		}
		sum.Calls++
		started := time.Now()
		var read []channel.FeedEvent
		var written Summary
		var order pageOrder
		err := f.Events(ctx, a, b, func(page []channel.FeedEvent) error {
			if !order.see(page) {
				return nil
			}
			read = append(read, page...)
			how := feedPage{reread: true, late: late, lateFrom: lateFrom, overlap: f.Overlap()}
			if order.ordered() && !order.gapped {
				how.progress = order.given
			}
			if err := p.writeFeedPage(ctx, fs, name, page, nil, how, &written); err != nil {
				return err
			}
			pages++
			switch {
			case jobs.Draining(ctx):
				return errDraining
			case pages >= RereadPages:
				return errRereadPaused
			}
			return nil
		})
		sum.add(written)
		p.metrics.call(name, err, time.Since(started))
		p.recordFeed(ctx, name, now, time.Since(started), err, written.Changed, read)
		if errors.Is(err, errDraining) || errors.Is(err, errRereadPaused) {
			return false, nil // the pages read are written with the progress
		}
		var gap *channel.GapError
		if errors.As(err, &gap) {
			if resume := gap.After.Add(-time.Millisecond); order.ordered() && !gap.After.IsZero() && resume.After(a) {
				a = resume // reading on from the last entry before the gap, as the window does
				continue
			}
			if p.bad.first(name, "re-read gap "+a.UTC().Format(time.RFC3339Nano)+" "+gap.Reason, now) {
				p.log.Warn("the event log gave less than it announced to the re-read, and reading on did not close the gap; the next re-read reads it again",
					"channel", name, "from", a, "error", gap)
			}
			err = nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			sum.Failed++
			sum.Errors++
			p.log.Warn("re-reading the event log failed; the next cycle goes on from where it stopped", "channel", name, "from", a, "error", err)
			if rerr := p.store.RecordPollError(ctx, name, now, nil, nil, err, rawOf(err)); rerr != nil {
				return false, rerr
			}
			return false, fmt.Errorf("%s: re-read the event log from %s: %w", name, a.Format(time.RFC3339), err)
		}
		if !b.Before(rr.To) {
			return true, nil
		}
		// The window was read whole (an unordered log's too): the
		// progress moves to its end.
		if err := p.writeFeedPage(ctx, fs, name, nil, nil, feedPage{reread: true, progress: b}, sum); err != nil {
			return false, err
		}
		a = b.Add(-time.Millisecond)
	}
}

// countLate counts and logs the entries of page kept for the first time
// (kept) that were created before how.late: they showed in the log later
// than the overlap reaches, and only a re-read read them. One line per
// page, by reference (the first entry's id and shipment, its created
// time), never content.
func (p *Poller) countLate(name string, page []channel.FeedEvent, kept []store.KeptEntry, how feedPage, sum *Summary) {
	if len(kept) == 0 || how.late.IsZero() {
		return
	}
	created := make(map[string]time.Time, len(page))
	for _, e := range page {
		if e.Err == nil {
			created[e.ID] = e.Logged
		}
	}
	n := 0
	var first store.KeptEntry
	var firstCreated time.Time
	for _, k := range kept {
		c, ok := created[k.ID]
		if !ok || !c.Before(how.late) || c.Before(how.lateFrom) {
			continue
		}
		if n == 0 {
			first, firstCreated = k, c
		}
		n++
	}
	if n == 0 {
		return
	}
	sum.Late += n
	p.metrics.late(name, n)
	p.log.Warn("log entries showed in the event log later than the overlap reaches; the re-read kept them (a longer overlap reads such entries sooner)",
		"channel", name, "entries", n, "entry", shownEntry(first.ID), "shipment", first.ShipmentID, "created", firstCreated, "overlap", how.overlap)
}

// refusedLookUps decides what a look-up the log refused (a search field it
// does not take: channel.ErrLookupRefused) means for each letter of obs,
// rewriting its Err, and asks for the re-read that stands in for the
// look-ups (store.WantFeedReread). A letter the log has mentioned is read
// (Err nil): the window reads on, and what came before it was read. One
// sent after from (the window's start: an unheard letter, or one marked
// unknown) had its whole time read by the windows, which mention it
// nowhere: not known to the log (ErrNotKnown: marked unknown_to_channel
// after the grace, as a look-up that found nothing). One sent before from
// (registered after its entries went by) that has not asked yet
// (store.Due.RereadAskedAt) asks the log to be read again from its sent
// time, at once, and stays the letter's error; refused again once a
// re-read started after it asked has been read and none is asked for, it
// is not known to the log either. Without re-reads
// (channel.Rereader off) a refusal stays the letter's error.
func (p *Poller) refusedLookUps(ctx context.Context, fs FeedStore, f channel.Feed, obs []channel.Observation, byChannelID map[string]store.Due, from, now time.Time) error {
	var refused []int
	for i, o := range obs {
		if errors.Is(o.Err, channel.ErrLookupRefused) {
			refused = append(refused, i)
		}
	}
	rf, ok := f.(channel.Rereader)
	if len(refused) == 0 || !ok {
		return nil
	}
	if back, every := rf.Reread(); back <= 0 || every <= 0 {
		return nil
	}
	name := f.Name()
	rr, _, err := fs.FeedReread(ctx, name)
	if err != nil {
		return err
	}
	pending := !rr.Wanted.IsZero() || !rr.From.IsZero()
	var want time.Time
	var asking []string
	for _, i := range refused {
		d := byChannelID[obs[i].ChannelID]
		notKnown := fmt.Errorf("%w: the log, read over its time (its own look-up refused), mentions it nowhere", channel.ErrNotKnown)
		switch {
		case d.Heard:
			obs[i].Err = nil
		case !d.SentAt.Add(-model.MaxFutureSkew).Before(from):
			obs[i].Err = notKnown
		case d.RereadAskedAt == nil:
			asking = append(asking, d.ID)
			if from := d.SentAt.Add(-f.Overlap() - model.MaxFutureSkew); want.IsZero() || from.Before(want) {
				want = from
			}
		case !pending && !rr.FinishedAt.Before(*d.RereadAskedAt):
			// Nothing asked for waits, and a re-read started since it
			// asked (which cleared its wanted reach) has been read.
			obs[i].Err = notKnown
		}
	}
	if len(asking) == 0 {
		return nil
	}
	return fs.WantFeedReread(ctx, name, want, now, asking)
}

// rereadOf is how far back each of ch's re-reads reaches and how often
// one starts; ok false: ch never re-reads (not a channel.Rereader, or a
// zero back or interval).
func rereadOf(ch any) (back, every time.Duration, ok bool) {
	rf, ok := ch.(channel.Rereader)
	if !ok {
		return 0, 0, false
	}
	back, every = rf.Reread()
	return back, every, back > 0 && every > 0
}
