package poll_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
)

// panicky is a channel whose adapter panics on its answer (a bug meeting
// an answer it did not expect).
type panicky struct{}

func (panicky) Name() string   { return "svarut" }
func (panicky) BatchSize() int { return 2 }
func (panicky) Status(context.Context, []string) ([]channel.Observation, error) {
	var m map[string]int
	m["answer"]++ // assignment to entry in nil map
	return nil, nil
}

// TestPanicInAPollWorkerIsTheCyclesError: a panic in a poll worker (the
// channel's adapter, the write of its answers) is the cycle's error, named
// and logged with its stack, as jobs promises for a job's panic; it does
// not take the whole process (the UI, the other jobs) down with it, and
// so does not crash every replica at every poll tick for as long as the
// answer that provokes it is there.
func TestPanicInAPollWorkerIsTheCyclesError(t *testing.T) {
	st, _ := registered(t, 3)
	var log bytes.Buffer
	_, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(context.Background(), panicky{})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("cycle error %v, want the panic", err)
	}
	if !strings.Contains(log.String(), "nil map") || !strings.Contains(log.String(), "stack") {
		t.Errorf("the panic is not logged with its stack:\n%s", log.String())
	}
}
