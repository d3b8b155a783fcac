package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// slowChannel answers one letter a call, each call taking four minutes by
// the fake clock; during each call it looks at what another replica could
// claim then.
type slowChannel struct {
	mu      sync.Mutex
	now     time.Time
	replica func(now time.Time) []string
	taken   []string // channel ids another replica could claim while this channel was asked about them
}

func (c *slowChannel) Name() string   { return "svarut" }
func (c *slowChannel) BatchSize() int { return 1 }
func (c *slowChannel) clock() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}
func (c *slowChannel) Status(ctx context.Context, ids []string) ([]channel.Observation, error) {
	c.mu.Lock()
	c.now = c.now.Add(4 * time.Minute) // the default lease is 10 minutes
	now := c.now
	c.mu.Unlock()
	asked := map[string]bool{}
	for _, id := range ids {
		asked[id] = true
	}
	for _, id := range c.replica(now) {
		if asked[id] {
			c.taken = append(c.taken, id)
		}
	}
	out := make([]channel.Observation, len(ids))
	for i, id := range ids {
		out[i] = channel.Observation{ChannelID: id, Status: "MOTTATT", State: model.StateAccepted}
	}
	return out, nil
}

// TestLeaseCountsFromTheClaim: a cycle that runs longer than a lease (a
// slow channel, many letters; here five calls of four minutes against a
// lease of ten) claims its later batches for a lease from when it claims
// them, not from when the cycle started: another replica does not take a
// letter while it is being asked about.
func TestLeaseCountsFromTheClaim(t *testing.T) {
	ctx := context.Background()
	st, _ := registered(t, 5)
	ch := &slowChannel{now: t0}
	ch.replica = func(now time.Time) []string { // what ClaimDue would take, without taking it
		var ids []string
		if err := st.DB().SelectContext(ctx, &ids, `SELECT s.channel_id FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id
			WHERE q.next_poll_at <= $1 AND (q.claimed_until IS NULL OR q.claimed_until <= $1)`, now); err != nil {
			t.Error(err)
		}
		return ids
	}
	var log bytes.Buffer
	sum, err := newPoller(st, ch.clock, &log).Cycle(ctx, ch)
	if err != nil || sum.Polled != 5 {
		t.Fatalf("cycle: %+v %v", sum, err)
	}
	if len(ch.taken) > 0 {
		t.Errorf("another replica claimed %v while the cycle was asking the channel about them", ch.taken)
	}
}

// slowLog is an event log whose look-ups take one letter a call, four
// minutes each by the fake clock; during each it looks at what another
// replica could claim then.
type slowLog struct {
	exclusiveLog
	mu      sync.Mutex
	now     time.Time
	replica func(now time.Time) []string
	taken   []string
}

func (l *slowLog) BatchSize() int { return 1 }
func (l *slowLog) clock() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now
}
func (l *slowLog) Status(ctx context.Context, ids []string) ([]channel.Observation, error) {
	l.mu.Lock()
	l.now = l.now.Add(4 * time.Minute)
	now := l.now
	l.mu.Unlock()
	asked := map[string]bool{}
	for _, id := range ids {
		asked[id] = true
	}
	for _, id := range l.replica(now) {
		if asked[id] {
			l.taken = append(l.taken, id)
		}
	}
	return l.exclusiveLog.Status(ctx, ids)
}

// TestFeedLookUpLeaseCountsFromTheClaim: the look-ups of a feed's letters
// one by one (here marked unknown to the channel) claim each batch for a
// lease from its claim, not from the cycle's start: another replica does
// not take a letter while its log is being looked up.
func TestFeedLookUpLeaseCountsFromTheClaim(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	l := &slowLog{now: now}
	l.lookUps = true
	var items []model.NewShipment
	for i := range 5 {
		it := storetest.Letter(i)
		it.Channel, it.ChannelID = "digitalpost", fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i)
		it.SentAt = now.Add(-70 * time.Hour).Add(time.Duration(i) * time.Second)
		items = append(items, it)
		at := it.SentAt.Add(time.Hour)
		l.entries = append(l.entries, channel.FeedEvent{ID: fmt.Sprintf("ev-%d", i), ChannelID: it.ChannelID,
			Tag: "MEMO_AVAILABLE_TO_RECIPIENT", State: model.StateAvailable, At: at, Logged: at, Payload: json.RawMessage(`{}`)})
	}
	ships := storetest.Register(t, st, items...)
	storetest.Set(t, st, storetest.IDs(ships), storetest.UnknownToChannelSince(now.Add(-time.Hour)), storetest.NextPollAt(now))
	l.replica = func(now time.Time) []string { // what ClaimDue would take, without taking it
		var ids []string
		if err := st.DB().SelectContext(ctx, &ids, `SELECT s.channel_id FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id
			WHERE q.next_poll_at <= $1 AND (q.claimed_until IS NULL OR q.claimed_until <= $1)`, now); err != nil {
			t.Error(err)
		}
		return ids
	}
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: l.clock})
	if _, err := p.Poll(ctx, l); err != nil {
		t.Fatal(err)
	}
	if len(l.taken) > 0 {
		t.Errorf("another replica could claim %v while their logs were being looked up", l.taken)
	}
	for _, id := range storetest.IDs(ships) {
		if sh, _ := st.Shipment(ctx, id, store.Scope{}); sh.State != model.StateAvailable {
			t.Errorf("%s: %s, want available (its log looked up)", sh.ChannelID, sh.State)
		}
	}
}
