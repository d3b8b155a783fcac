package spectest

import (
	"context"
	"sync"
	"time"
)

// Clock is an httpclient.Clock for the adapters' tests: retries wait no
// real time, and it records each wait.
type Clock struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

// Now is the real time.
func (c *Clock) Now() time.Time { return time.Now() }

// Sleep records d and returns at once (ctx's error, if it is done).
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	return ctx.Err()
}

// Sleeps returns the waits so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
