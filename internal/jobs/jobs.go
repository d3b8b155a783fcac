// Package jobs runs postvakt's background work on robfig/cron schedules:
// per replica (polling: claims with SKIP LOCKED share the work) or once
// cluster-wide (an advisory lock through the store, and once per interval
// across the replicas: see Once). Every job is wrapped so that a panic is a
// failed run and the next tick runs, a tick that comes while the job still
// runs is skipped, and failures (a panic too) are logged and counted with
// the job's name.
//
// Stopping is in two steps, like River's: Stop first stops starting jobs and
// tells running ones to finish what they hold (Draining reports it, so a
// poll cycle claims no new batch and an escalation run sends what it
// claimed); when the grace period ends their context is cancelled (the
// hard stop).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Func is a job's body. ctx ends at the hard stop.
type Func func(ctx context.Context) error

// Scheduler runs jobs.
type Scheduler struct {
	cron   *cron.Cron
	log    *slog.Logger
	locker Locker
	m      *metrics // Instrument; nil: none

	ctx      context.Context // the jobs' context: cancelled at the hard stop
	cancel   context.CancelFunc
	draining chan struct{} // closed at the soft stop

	require Func // Require; nil: every tick runs

	ticksMu    sync.Mutex
	ticks      []*tick     // per job, when the dispatcher owes its next tick (Stalled)
	started    atomic.Bool // Start was called
	stallAfter time.Duration
}

type drainKey struct{}

// New returns a scheduler whose jobs log to log; locker may be nil when no
// job runs once cluster-wide.
func New(log *slog.Logger, locker Locker) *Scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{log: log, locker: locker, cancel: cancel, draining: make(chan struct{}), stallAfter: stallAfter}
	s.ctx = context.WithValue(ctx, drainKey{}, s.draining)
	cl := cronLogger{log}
	// A tick while the job still runs is skipped by add's own guard (it
	// names the job and how long it has run); a job's panic is its failed
	// run (runRecovered), and Recover logs one elsewhere in a tick.
	s.cron = cron.New(cron.WithChain(cron.Recover(cl)), cron.WithLogger(cl))
	return s
}

// Draining reports whether the job running with ctx has been asked to stop
// taking new work (the soft stop). Work already claimed should be finished.
func Draining(ctx context.Context) bool {
	ch, ok := ctx.Value(drainKey{}).(chan struct{})
	if !ok {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// DrainingCh is closed when the job running with ctx is asked to stop
// taking new work (the soft stop); nil (never ready) outside a job.
func DrainingCh(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(drainKey{}).(chan struct{})
	return ch
}

// SoftStop is the two-step stop for work run once outside a scheduler (a
// one-off command such as `escalate --once`): the returned context's job
// is asked to stop taking new work (Draining) when ctx ends (the first
// Ctrl-C or SIGTERM), and is itself cancelled (the hard stop) grace later,
// or when the returned function is called. Without it the signal
// cancelled the work at once: what it had claimed was neither sent nor
// given back, and waited out its lease.
func SoftStop(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	hard, cancel := context.WithCancel(context.WithoutCancel(ctx))
	draining := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		close(draining)
		select {
		case <-hard.Done():
		case <-time.After(grace):
			cancel()
		}
	})
	return context.WithValue(hard, drainKey{}, draining), func() { stop(); cancel() }
}

// Require makes every tick first call check: a tick whose check fails does
// not run its job, which is logged and counted as failed with check's
// error. serve checks that this binary can still run on the database's
// schema: a replica left running after a newer release made the schema
// incompatible stops writing to it (its /readyz already answers 503).
// It costs a query or two per tick, next to the jobs' own work on
// schedules of a minute or more. Call it before Start.
func (s *Scheduler) Require(check Func) { s.require = check }

// Parse reads a job's cron spec as Every and Once do: robfig/cron's
// standard parser (five fields, or a descriptor such as @hourly or
// @every 1m).
func Parse(spec string) (cron.Schedule, error) { return cron.ParseStandard(spec) }

// Next is when a job on sched runs next after t, as the scheduler reckons
// it: a spec's clock times in the process's time zone (time.Local). An
// @every schedule counts from when the job was added, which only its
// scheduler knows: for one, Next is at most that far after t.
func Next(sched cron.Schedule, t time.Time) time.Time { return sched.Next(t.In(time.Local)) }

// Every runs fn on spec in this replica.
func (s *Scheduler) Every(spec, name string, fn Func) error {
	sched, err := Parse(spec)
	if err != nil {
		return fmt.Errorf("schedule %s with %q: %w", name, spec, err)
	}
	s.add(sched, name, fn)
	return nil
}

// add schedules a job with any cron.Schedule (tests use fast ones).
func (s *Scheduler) add(sched cron.Schedule, name string, fn Func) {
	s.m.scheduled(name, sched, time.Now())
	tk := &tick{job: name, sched: sched}
	running := &tk.running
	tk.came(time.Now()) // a job added after Start is owed its first tick from now
	s.ticksMu.Lock()
	s.ticks = append(s.ticks, tk)
	s.ticksMu.Unlock()
	s.cron.Schedule(sched, cron.FuncJob(func() {
		tk.came(time.Now()) // before any guard: a skipped tick is still a tick
		if Draining(s.ctx) {
			return
		}
		start := time.Now()
		if !running.CompareAndSwap(0, start.UnixNano()) {
			// Still running: this tick is skipped. A run that goes on for
			// long (a lock another session holds, a channel that hangs)
			// says so, with its name.
			d := start.Sub(time.Unix(0, running.Load())).Round(time.Second)
			level := slog.LevelInfo
			if d >= stuckAfter {
				level = slog.LevelWarn
			}
			s.log.Log(s.ctx, level, "scheduled job still running: tick skipped", "job", name, "running_for", d)
			return
		}
		defer running.Store(0)
		if s.require != nil {
			if err := s.require(s.ctx); err != nil {
				if !errors.Is(err, context.Canceled) { // the hard stop: nothing to say
					s.m.ran(name, outcomeFailed, start, time.Since(start))
					s.log.Error("scheduled job not run", "job", name, "error", err)
				}
				return
			}
		}
		err := runRecovered(s.ctx, fn)
		took := time.Since(start)
		switch {
		case err == nil:
			s.m.ran(name, outcomeOK, start, took)
		case errors.Is(err, errNotHere), errors.Is(err, errRanThisInterval):
			s.m.ran(name, outcomeSkipped, start, took)
			s.log.Debug("scheduled job skipped", "job", name, "reason", err.Error())
		case errors.Is(err, context.Canceled):
		default:
			s.m.ran(name, outcomeFailed, start, took)
			attrs := []any{"job", name, "took", took.Round(time.Millisecond), "error", err}
			var p *panicError
			if errors.As(err, &p) {
				attrs = append(attrs, "stack", string(p.stack))
			}
			s.log.Error("scheduled job failed", attrs...)
		}
	}))
}

// panicError is a job's panic, as its run's error.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// runRecovered runs fn, returning a panic in it as a *panicError: a run
// that panics is a failed run of its job, counted and logged with the
// job's name as one that returns an error is (robfig/cron's Recover, which
// stays for the rest of the tick, names no job and counts nothing).
func runRecovered(ctx context.Context, fn Func) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}

// stuckAfter is how long a run may go on before a skipped tick is a
// warning.
const stuckAfter = 15 * time.Minute

// Start starts the schedules.
func (s *Scheduler) Start() {
	now := time.Now()
	s.ticksMu.Lock()
	for _, tk := range s.ticks {
		tk.came(now)
	}
	s.ticksMu.Unlock()
	s.started.Store(true)
	s.cron.Start()
}

// Stop stops starting jobs, asks running ones to finish what they hold,
// waits up to grace for them, then cancels their context and waits for
// them to return (bounded by a second grace).
func (s *Scheduler) Stop(grace time.Duration) {
	close(s.draining)
	done := s.cron.Stop().Done()
	select {
	case <-done:
		s.cancel()
		return
	case <-time.After(grace):
	}
	s.log.Warn("jobs still running after the grace period: cancelling them", "grace", grace, "jobs", s.runningJobs(time.Now()))
	s.cancel()
	select {
	case <-done:
	case <-time.After(grace):
		s.log.Error("jobs did not return after being cancelled", "jobs", s.runningJobs(time.Now()))
	}
}

// runningJobs names the jobs whose run is in progress at now, each with
// how long it has run: "escalate (2m5s), poll svarut (31s)".
func (s *Scheduler) runningJobs(now time.Time) string {
	s.ticksMu.Lock()
	defer s.ticksMu.Unlock()
	var names []string
	for _, tk := range s.ticks {
		if began := tk.running.Load(); began != 0 {
			names = append(names, fmt.Sprintf("%s (%s)", tk.job, now.Sub(time.Unix(0, began)).Round(time.Second)))
		}
	}
	return strings.Join(names, ", ")
}

// cronLogger sends robfig/cron's own messages (a recovered panic, a
// skipped tick) to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("scheduled job: "+msg, append(kv, "error", err)...)
}

// EachClaim claims work with claim and hands each batch to do, until a
// claim comes back empty, claim or do fails, ctx ends or the job is asked
// to stop (the soft stop: no new claim; the batch in hand is do's to finish
// or give back). It returns the first error of claim or do, nil otherwise.
func EachClaim[T any](ctx context.Context, claim func() ([]T, error), do func([]T) error) error {
	for ctx.Err() == nil && !Draining(ctx) {
		batch, err := claim()
		if err != nil || len(batch) == 0 {
			return err
		}
		if err := do(batch); err != nil {
			return err
		}
	}
	return nil
}
