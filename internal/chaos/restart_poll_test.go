package chaos

import (
	"context"
	"testing"
	"time"
)

// TestPollsAgainAfterTheRestart: a replica that ran through the PostgreSQL
// restart counts as working again only with a status search from a poll
// cycle begun after it; one that only polled before (its connections
// broken for good, say) or exited is reported.
func TestPollsAgainAfterTheRestart(t *testing.T) {
	ctx := context.Background()
	restarted := time.Now()

	stuck := &process{done: make(chan struct{})}
	stuck.lastPoll.Store(restarted.Add(500 * time.Millisecond).UnixNano()) // a cycle begun before
	if pollsAgain(ctx, stuck, restarted, 300*time.Millisecond) {
		t.Fatal("a replica that polled no more after the restart passed")
	}

	exited := &process{done: make(chan struct{})}
	close(exited.done)
	if pollsAgain(ctx, exited, restarted, time.Minute) {
		t.Fatal("a replica that exited passed")
	}

	working := &process{done: make(chan struct{})}
	go func() {
		time.Sleep(50 * time.Millisecond)
		working.lastPoll.Store(restarted.Add(1500 * time.Millisecond).UnixNano())
	}()
	if !pollsAgain(ctx, working, restarted, time.Minute) {
		t.Fatal("a replica that polled again after the restart was reported")
	}
}
