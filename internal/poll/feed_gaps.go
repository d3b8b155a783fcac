package poll

import (
	"context"
	"fmt"
	"sync"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// GapPatience is how long after the last entry before it a gap that
// reading on cannot close holds the cursor (a log still indexing may yet
// fill it; each cycle reads on from it). After that the cursor moves past
// it to the latest entry read, and the gap stays a poll error.
const GapPatience = time.Hour

// keepGap records a gap in the log that reading on could not close: one
// poll error for people to see (not one per cycle), and, once the gap is
// older than GapPatience, the cursor past it to the latest entry read.
// held says the gap still holds the cursor: the windows read after it in
// the cycle must not move it either.
func (p *Poller) keepGap(ctx context.Context, fs FeedStore, name string, now time.Time, gap *channel.GapError, read []channel.FeedEvent, sum *Summary) (held bool, err error) {
	// One gap is one place in the log (the last entry before it), however
	// the log tells of it: its reason names counts that change as the log
	// grows, and keyed by them every cycle's would be a new gap (another
	// poll error, the patience begun again: a cursor held for as long as
	// the log grows).
	seen, fresh := p.bad.since(name, "gap "+gap.After.UTC().Format(time.RFC3339Nano), now)
	if fresh {
		sum.Errors++
		p.log.Warn("the event log gave less than it announced, and reading on did not close the gap; kept as a poll error",
			"channel", name, "error", gap)
		if err := p.store.RecordPollError(ctx, name, now, nil, nil, gap, ""); err != nil {
			return true, err
		}
	}
	// The patience counts from the last entry before the gap, and at the
	// earliest from when the gap was first seen: a gap in a window read
	// late (after a quiet hour, a restart, a catch-up) holds the cursor
	// for its hour too.
	if now.Sub(gap.After) < GapPatience || now.Sub(seen) < GapPatience {
		return true, nil
	}
	return false, p.moveCursor(ctx, fs, name, now, read)
}

// moveCursor moves a feed's cursor to the latest entry read that is not
// dated in the future (one that is is read again when its time has come).
func (p *Poller) moveCursor(ctx context.Context, fs FeedStore, name string, now time.Time, read []channel.FeedEvent) error {
	var latest time.Time
	for _, e := range read {
		if e.Err == nil && e.Logged.After(latest) && !e.Logged.After(now.Add(model.MaxFutureSkew)) {
			latest = e.Logged
		}
	}
	if latest.IsZero() {
		return nil
	}
	if _, err := fs.ApplyFeed(ctx, store.FeedApply{Channel: name, Cursor: latest}); err != nil {
		return fmt.Errorf("move %s cursor: %w", name, err)
	}
	return nil
}

// badEntries remembers the log entries refused or unreadable lately, so
// that the overlap, which reads each entry again for a while (and an entry
// dated ahead until its time has come), keeps each as one poll error, not
// one per read. In memory: a restart may keep one again.
type badEntries struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// badMemory is how long a bad entry is remembered.
const badMemory = 24 * time.Hour

// first reports whether the entry is new to the list (an entry without an
// id always is), and remembers it.
func (b *badEntries) first(channel, id string, now time.Time) bool {
	if id == "" {
		return true
	}
	_, fresh := b.since(channel, id, now)
	return fresh
}

// since returns when the entry was first remembered (within badMemory),
// remembering it as of now when it is new (fresh).
func (b *badEntries) since(channel, id string, now time.Time) (at time.Time, fresh bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[string]time.Time{}
	}
	k := channel + "\x00" + id
	if at, ok := b.seen[k]; ok && now.Sub(at) < badMemory {
		return at, false
	}
	if len(b.seen) >= 10000 {
		for k, at := range b.seen {
			if now.Sub(at) >= badMemory {
				delete(b.seen, k)
			}
		}
		if len(b.seen) >= 10000 {
			clear(b.seen) // a log of that many bad entries: keeping them again is the lesser evil
		}
	}
	b.seen[k] = now
	return now, true
}

// countedTo is, per channel, how far in the log (by created time) the
// entries about letters postvakt does not know were counted: a read that
// goes on from a gap, and the cycles while a gap holds the cursor, read
// again what was counted, and would count it again. In memory: after a
// restart the cursor is the mark, as before.
type countedTo struct {
	mu sync.Mutex
	at map[string]time.Time
}

// since is the mark for a read of channel name whose cursor is cursor: the
// later of the two.
func (c *countedTo) since(name string, cursor time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.at[name]; t.After(cursor) {
		return t
	}
	return cursor
}

// advance moves the mark to the latest created time of a page written,
// read in order (of a log that gives its entries oldest first: in another
// order, an older entry may follow on a later page).
func (c *countedTo) advance(name string, page []channel.FeedEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at == nil {
		c.at = map[string]time.Time{}
	}
	for _, e := range page {
		if e.Err == nil && e.Logged.After(c.at[name]) {
			c.at[name] = e.Logged
		}
	}
}
