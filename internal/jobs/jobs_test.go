package jobs

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/logtest"
)

// fast is a schedule that fires every 10 ms (robfig/cron's own @every
// rounds up to a second).
type fast struct{}

func (fast) Next(t time.Time) time.Time { return t.Add(10 * time.Millisecond) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A panic inside a job is logged and the next tick runs; so does a failure.
func TestPanicIsLoggedAndNextTickRuns(t *testing.T) {
	var logs logtest.Buffer
	s := New(slog.New(slog.NewTextHandler(&logs, nil)), nil)
	var runs atomic.Int32
	s.add(fast{}, "boom", func(context.Context) error {
		switch runs.Add(1) {
		case 1:
			panic("kaboom")
		case 2:
			return errors.New("refused")
		}
		return nil
	})
	s.Start()
	waitFor(t, "three runs", func() bool { return runs.Load() >= 3 })
	s.Stop(time.Second)
	out := logs.String()
	for _, want := range []string{"kaboom", "level=ERROR", `job=boom`, "refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// fakeLocker is a Locker in memory for the tests of the lock alone (those
// of the last start use the store: once_test.go). A job in ranElsewhere
// always finds its start of this interval recorded.
type fakeLocker struct {
	mu           sync.Mutex
	held         map[string]bool
	ranElsewhere map[string]bool
}

func (l *fakeLocker) StartJobRun(_ context.Context, name string, _, _, _ time.Time) (bool, error) {
	return !l.ranElsewhere[name], nil
}

func (l *fakeLocker) TryExclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error) {
	l.mu.Lock()
	if l.held[name] {
		l.mu.Unlock()
		return false, nil
	}
	l.held[name] = true
	l.mu.Unlock()
	defer func() { l.mu.Lock(); delete(l.held, name); l.mu.Unlock() }()
	return true, fn(ctx)
}

// Stop is soft first: a running job sees Draining and may finish; only
// after the grace period is its context cancelled.
func TestStopIsSoftThenHard(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), &fakeLocker{held: map[string]bool{}})
	started := make(chan struct{})
	var sawDrain, sawCancel atomic.Bool
	var once sync.Once
	s.add(fast{}, "worker", func(ctx context.Context) error {
		once.Do(func() { close(started) })
		for !Draining(ctx) {
			time.Sleep(time.Millisecond)
		}
		sawDrain.Store(true)
		<-ctx.Done() // a job that will not finish by itself
		sawCancel.Store(true)
		return ctx.Err()
	})
	s.Start()
	<-started
	begin := time.Now()
	s.Stop(100 * time.Millisecond)
	if !sawDrain.Load() || !sawCancel.Load() {
		t.Fatalf("drain seen %v, cancel seen %v", sawDrain.Load(), sawCancel.Load())
	}
	if took := time.Since(begin); took < 100*time.Millisecond {
		t.Fatalf("cancelled after %s, before the grace period", took)
	}
	if Draining(context.Background()) {
		t.Fatal("a context outside the scheduler reports draining")
	}
}

// A stop that waits out its grace says which jobs still run: the log
// said "jobs still running" and "jobs did not return" naming none, and
// the operator could not tell a stuck escalation run from a slow poll.
func TestStopNamesTheJobsStillRunning(t *testing.T) {
	log, logs := logtest.New()
	s := New(log, nil)
	started := make(chan struct{}, 2)
	release := make(chan struct{})
	s.add(fast{}, "poll svarut", func(ctx context.Context) error {
		started <- struct{}{}
		<-ctx.Done() // finishes only when cancelled
		return ctx.Err()
	})
	s.add(fast{}, "escalate", func(ctx context.Context) error {
		started <- struct{}{}
		<-release // not even then
		return nil
	})
	s.add(fast{}, "idle", func(context.Context) error { return nil })
	s.Start()
	<-started
	<-started
	s.Stop(50 * time.Millisecond)
	close(release)
	var still, stuck string
	for _, l := range strings.Split(logs.String(), "\n") {
		switch {
		case strings.Contains(l, "jobs still running after the grace period"):
			still = l
		case strings.Contains(l, "jobs did not return after being cancelled"):
			stuck = l
		}
	}
	if !strings.Contains(still, "poll svarut") || !strings.Contains(still, "escalate") || strings.Contains(still, "idle") {
		t.Errorf("the grace's end names %q; want poll svarut and escalate, not idle:\n%s", still, logs.String())
	}
	if !strings.Contains(stuck, "escalate") || strings.Contains(stuck, "poll svarut") {
		t.Errorf("the cancel's end names %q; want escalate alone:\n%s", stuck, logs.String())
	}
}

func TestEveryRefusesBadSpecAndOnceNeedsLocker(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), nil)
	if err := s.Every("every minute", "x", nil); err == nil || !strings.Contains(err.Error(), "x") {
		t.Fatalf("bad spec: %v", err)
	}
	if err := s.Once("@every 1m", "y", nil); err == nil {
		t.Fatal("Once without a locker accepted")
	}
}

// EachClaim stops at an empty claim, at the first error, and on the soft
// stop before claiming again, never in the middle of a batch.
func TestEachClaim(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		batches   [][]int
		claimErr  int // fail the claim with this number (1-based), 0 never
		doErr     int // fail do on the batch with this number, 0 never
		drainAt   int // ask for the soft stop while doing this batch, 0 never
		cancelAt  int // cancel the context while doing this batch, 0 never
		wantDone  []int
		wantErr   error
		wantClaim int
	}{
		{name: "until empty", batches: [][]int{{1, 2}, {3}, {}}, wantDone: []int{1, 2, 3}, wantClaim: 3},
		{name: "claim fails", batches: [][]int{{1}, {2}}, claimErr: 2, wantDone: []int{1}, wantErr: boom, wantClaim: 2},
		{name: "do fails", batches: [][]int{{1}, {2}, {3}}, doErr: 2, wantDone: []int{1, 2}, wantErr: boom, wantClaim: 2},
		{name: "soft stop", batches: [][]int{{1, 2}, {3}, {4}}, drainAt: 2, wantDone: []int{1, 2, 3}, wantClaim: 2},
		{name: "cancelled", batches: [][]int{{1}, {2}, {3}}, cancelAt: 1, wantDone: []int{1}, wantClaim: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := make(chan struct{})
			ctx, cancel := context.WithCancel(context.WithValue(context.Background(), drainKey{}, stop))
			defer cancel()
			claims := 0
			var done []int
			err := EachClaim(ctx, func() ([]int, error) {
				claims++
				if claims == tc.claimErr {
					return nil, boom
				}
				return tc.batches[claims-1], nil
			}, func(batch []int) error {
				if claims == tc.drainAt {
					close(stop)
				}
				if claims == tc.cancelAt {
					cancel()
				}
				done = append(done, batch...)
				if claims == tc.doErr {
					return boom
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) || claims != tc.wantClaim || !slices.Equal(done, tc.wantDone) {
				t.Fatalf("err %v, %d claims, done %v; want %v, %d, %v", err, claims, done, tc.wantErr, tc.wantClaim, tc.wantDone)
			}
		})
	}
}

// TestSkippedTickNamesTheJob: a tick while the job still runs is skipped
// (one run at a time), and the log line names the job and how long it has
// run, so a job stuck behind a lock shows which one.
func TestSkippedTickNamesTheJob(t *testing.T) {
	var logs logtest.Buffer
	s := New(slog.New(slog.NewTextHandler(&logs, nil)), nil)
	var runs, inside atomic.Int32
	release := make(chan struct{})
	s.add(fast{}, "slowpoke", func(context.Context) error {
		runs.Add(1)
		if inside.Add(1) > 1 {
			t.Error("two runs of one job at once")
		}
		defer inside.Add(-1)
		<-release
		return nil
	})
	s.Start()
	waitFor(t, "a skipped tick", func() bool { return strings.Contains(logs.String(), "tick skipped") })
	close(release)
	waitFor(t, "a second run", func() bool { return runs.Load() >= 2 })
	s.Stop(time.Second)
	if out := logs.String(); !strings.Contains(out, "job=slowpoke") || !strings.Contains(out, "running_for=") {
		t.Errorf("the skipped tick does not name the job:\n%s", out)
	}
}

// A tick whose Require check fails does not run the job and says why with
// the job's name; once the check passes again the job runs.
func TestRequireHoldsJobsWhileCheckFails(t *testing.T) {
	var logs logtest.Buffer
	s := New(slog.New(slog.NewTextHandler(&logs, nil)), nil)
	var refuse atomic.Bool
	refuse.Store(true)
	var checks, runs atomic.Int32
	s.Require(func(context.Context) error {
		checks.Add(1)
		if refuse.Load() {
			return errors.New("the database needs a newer postvakt")
		}
		return nil
	})
	s.add(fast{}, "poll-svarut", func(context.Context) error {
		runs.Add(1)
		return nil
	})
	s.Start()
	waitFor(t, "three refused ticks", func() bool { return checks.Load() >= 3 })
	if n := runs.Load(); n != 0 {
		t.Fatalf("the job ran %d time(s) while the check failed", n)
	}
	refuse.Store(false)
	waitFor(t, "a run once the check passes", func() bool { return runs.Load() >= 1 })
	s.Stop(time.Second)
	out := logs.String()
	for _, want := range []string{"scheduled job not run", "job=poll-svarut", "needs a newer postvakt"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// A Require check cut short by the hard stop (context.Canceled) holds the
// job without an error in the log.
func TestRequireCancelledSaysNothing(t *testing.T) {
	var logs logtest.Buffer
	s := New(slog.New(slog.NewTextHandler(&logs, nil)), nil)
	var checks, runs atomic.Int32
	s.Require(func(context.Context) error {
		checks.Add(1)
		return context.Canceled
	})
	s.add(fast{}, "print", func(context.Context) error {
		runs.Add(1)
		return nil
	})
	s.Start()
	waitFor(t, "two checks", func() bool { return checks.Load() >= 2 })
	s.Stop(time.Second)
	if n := runs.Load(); n != 0 {
		t.Errorf("the job ran %d time(s) after its check was cancelled", n)
	}
	if out := logs.String(); strings.Contains(out, "scheduled job not run") {
		t.Errorf("a cancelled check logged an error:\n%s", out)
	}
}

// TestSoftStop: outside a scheduler (a one-off command), the end of the
// signal's context is the soft stop, Draining, and the hard stop comes
// grace later; the returned cancel ends it at once.
func TestSoftStop(t *testing.T) {
	signal, signalled := context.WithCancel(context.Background())
	ctx, cancel := SoftStop(signal, 50*time.Millisecond)
	defer cancel()
	if Draining(ctx) || ctx.Err() != nil {
		t.Fatal("draining or cancelled before the signal")
	}
	signalled()
	select {
	case <-DrainingCh(ctx):
	case <-time.After(5 * time.Second):
		t.Fatal("not draining after the signal")
	}
	if ctx.Err() != nil {
		t.Fatal("cancelled at the signal: the work in hand is cut, not finished")
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not cancelled after the grace")
	}
	ctx, cancel = SoftStop(context.Background(), time.Hour)
	if cancel(); ctx.Err() == nil {
		t.Error("the returned cancel did not cancel")
	}
}
