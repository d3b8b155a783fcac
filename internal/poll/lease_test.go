package poll_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
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
