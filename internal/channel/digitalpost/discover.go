package digitalpost

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// Discover lists the letters with events created in [from, to] (not a
// NemSMS the log names beside them; a physical letter as printed by the
// channel, its entries' disposition): recipient
// from recipientID, sent when first received (MEMO_SEND_RECEIVED; for a
// letter sent before the window, from its whole log, looked up), title
// empty (the log's label is the title, and postvakt does not keep it).
func (c *Client) Discover(ctx context.Context, from, to time.Time) ([]channel.Found, error) {
	byID := map[string][]channel.FeedEvent{}
	var order []string
	// given: the latest created time a read gave so far; unordered: an
	// entry came older than one before it (the log ignores sortFields),
	// so the last entry before a gap says nothing of what is left.
	var given time.Time
	unordered := false
	collect := func(page []channel.FeedEvent) error {
		for _, e := range page {
			if e.Err == nil {
				unordered = unordered || e.Logged.Before(given)
				if e.Logged.After(given) {
					given = e.Logged
				}
			}
			if e.Err != nil || e.ChannelID == "" || e.Tag == tagSearches {
				continue
			}
			if _, ok := byID[e.ChannelID]; !ok {
				order = append(order, e.ChannelID)
			}
			byID[e.ChannelID] = append(byID[e.ChannelID], e)
		}
		return nil
	}
	err := c.Events(ctx, from, to, collect)
	for a := from; ; {
		// A gap after an entry (a log that pages only so deep, or still
		// indexing) is read on from that entry, as the poller reads on;
		// each read starts later, so this ends. An entry both reads give
		// is one entry (fold). Not in a log that gave its entries in
		// another order than oldest first: entries older than the last
		// read may lie past the gap, and the gap stays (as the poller's).
		var gap *channel.GapError
		if unordered || !errors.As(err, &gap) || gap.After.IsZero() || !gap.After.Add(-time.Millisecond).After(a) {
			break
		}
		a, given = gap.After.Add(-time.Millisecond), time.Time{}
		err = c.Events(ctx, a, to, collect)
	}
	if err != nil && !errors.Is(err, channel.ErrIncomplete) {
		return nil, err
	}
	out := make([]channel.Found, 0, len(order))
	for _, id := range order {
		evs := byID[id]
		if slices.ContainsFunc(evs, func(e channel.FeedEvent) bool { return e.MessageType == messageSMS }) {
			continue // a NemSMS: no letter to watch
		}
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].At.Before(evs[b].At) })
		sent, ok := c.sentAt(id, evs)
		if !ok {
			// Sent before the window (only its later entries, a read, fall
			// in it): its whole log says when, and holds its proof of
			// delivery, which the poller would otherwise never fetch.
			all, lerr := c.lookup(ctx, id)
			if lerr != nil {
				err = errors.Join(err, fmt.Errorf("%w: letter %s, sent before the window: %w", channel.ErrIncomplete, model.Shown(id, 80), lerr))
				continue
			}
			if len(all) > 0 {
				evs = all
				sort.SliceStable(evs, func(a, b int) bool { return evs[a].At.Before(evs[b].At) })
			}
			sent, _ = c.sentAt(id, evs)
		}
		// Digital Post is secure post: every letter counts as confidential.
		f := channel.Found{ChannelID: id, SentAt: sent, Confidential: true, Observation: fold(id, evs)}
		for _, e := range evs {
			if f.SenderOrg == "" {
				f.SenderOrg = e.SenderOrg
			}
			if f.Recipient == "" && f.PersonID == "" {
				f.Recipient, f.PersonID = e.Recipient, e.PersonID
			}
		}
		out = append(out, f)
	}
	return out, err // with a gap: what was found, and the gap (ErrIncomplete)
}

// sentAt is when letter id was sent: its MEMO_SEND_RECEIVED among evs
// (sorted by time), remembered for a later window; else what an earlier
// Discover saw. False when neither says.
func (c *Client) sentAt(id string, evs []channel.FeedEvent) (time.Time, bool) {
	c.sentMu.Lock()
	defer c.sentMu.Unlock()
	for _, e := range evs {
		if e.Tag == tagReceived {
			if c.sent == nil || len(c.sent) >= maxSentMemo {
				c.sent = map[string]time.Time{}
			}
			c.sent[id] = e.At
			return e.At, true
		}
	}
	at, ok := c.sent[id]
	if !ok && len(evs) > 0 {
		at = evs[0].At
	}
	return at, ok
}
