package poll_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// rateLimitedMidNarrowing: a batch call (SvarUt's status-sok) fails with a
// 500 because of one letter; while the poller narrows the batch down, the
// channel's rate limit kicks in and every further call is a 429.
type rateLimitedMidNarrowing struct {
	mu     sync.Mutex
	calls  int
	poison string
}

func (c *rateLimitedMidNarrowing) Name() string   { return "svarut" }
func (c *rateLimitedMidNarrowing) BatchSize() int { return 40 }
func (c *rateLimitedMidNarrowing) Status(_ context.Context, ids []string) ([]channel.Observation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.calls > 1 {
		return nil, &httpclient.StatusError{StatusCode: 429, Body: []byte(`{"status":429}`)}
	}
	for _, id := range ids {
		if id == c.poison {
			return nil, &httpclient.StatusError{StatusCode: 500, Body: []byte(`{"status":500}`)}
		}
	}
	out := make([]channel.Observation, 0, len(ids))
	for _, id := range ids {
		out = append(out, channel.Observation{ChannelID: id, Status: "LEST", State: model.StateOpened})
	}
	return out, nil
}

// A 429 met while narrowing a failed batch ends the narrowing: every letter
// of the batch not answered waits as failed (the call's error, its
// backoff): none is taken for a letter the channel's answer "did not
// mention" (unknown to the channel, and past the grace sent to print).
func TestRateLimitWhileNarrowingLeavesNoLetterUnknown(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 40) // sent an hour before t0: past UnknownGrace
	ch := &rateLimitedMidNarrowing{poison: "id-3"}
	var log bytes.Buffer
	_, _ = newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch)
	unknown := 0
	for _, sh := range ships {
		got, err := st.Shipment(ctx, sh.ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if got.UnknownToChannelSince != nil {
			unknown++
		}
	}
	if unknown > 0 {
		t.Errorf("%d of 40 letters marked unknown to SvarUt after a 429 during narrowing (calls %d): they were never asked", unknown, ch.calls)
	}
}
