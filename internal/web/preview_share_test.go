package web

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/escalate"
)

// slowPreview counts its dry runs; each waits for release.
type slowPreview struct {
	runs    atomic.Int32
	release chan struct{}
	fail    bool
}

func (p *slowPreview) Preview(_ context.Context, now time.Time) (escalate.Summary, error) {
	p.runs.Add(1)
	<-p.release
	if p.fail {
		return escalate.Summary{}, errors.New("database gone")
	}
	return escalate.Summary{Now: now, DryRun: true}, nil
}

// Viewers who ask at once share one dry run; its answer serves for a
// minute; a failed run is not kept; a viewer who leaves does not end the
// run the others wait for.
func TestSharedPreview(t *testing.T) {
	p := &slowPreview{release: make(chan struct{})}
	sp := &sharedPreview{p: p}
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

	// One viewer leaves while the run goes on; three others wait for it.
	gone, leave := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := sp.Preview(gone, t0); !errors.Is(err, context.Canceled) {
			t.Errorf("the viewer who left: %v", err)
		}
	}()
	for p.runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	leave()
	wg.Wait()
	sums := make([]escalate.Summary, 3)
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if sums[i], err = sp.Preview(context.Background(), t0.Add(time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // let them join the run
	close(p.release)
	wg.Wait()
	if n := p.runs.Load(); n != 1 {
		t.Fatalf("%d dry runs for four viewers at once, want 1", n)
	}
	for _, s := range sums {
		if !s.Now.Equal(t0) {
			t.Fatalf("a waiting viewer got %v, want the shared run's answer as of %v", s.Now, t0)
		}
	}
	// Within the minute: the same answer, no run.
	if s, err := sp.Preview(context.Background(), t0.Add(59*time.Second)); err != nil || !s.Now.Equal(t0) || p.runs.Load() != 1 {
		t.Fatalf("within the minute: %v %v, %d runs", s.Now, err, p.runs.Load())
	}
	// After it: a new run; a failed one is not kept.
	p.fail = true
	if _, err := sp.Preview(context.Background(), t0.Add(time.Minute)); err == nil || p.runs.Load() != 2 {
		t.Fatalf("after the minute: %v, %d runs; want a new run's error", err, p.runs.Load())
	}
	p.fail = false
	if s, err := sp.Preview(context.Background(), t0.Add(time.Minute+time.Second)); err != nil || !s.Now.Equal(t0.Add(time.Minute+time.Second)) || p.runs.Load() != 3 {
		t.Fatalf("after a failed run: %v %v, %d runs; want a new answer", s.Now, err, p.runs.Load())
	}
}
