package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Exclusiver holds a lock once across all replicas (*store.Store is one).
type Exclusiver interface {
	// TryExclusive runs fn under the cluster-wide lock name, or returns
	// ran=false when another session holds it.
	TryExclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error)
}

// Exclusive runs fn under the cluster-wide lock name and returns its error,
// or busy when another session holds the lock (fn did not run). The
// scheduled cluster-wide jobs (Once) and the runs a command starts by hand
// (escalation, health evaluation) take their lock through it.
func Exclusive(ctx context.Context, l Exclusiver, name string, busy error, fn func(ctx context.Context) error) error {
	ran, err := l.TryExclusive(ctx, name, fn)
	if err == nil && !ran {
		err = busy
	}
	return err
}

// Locker is what a cluster-wide job needs of the store (*store.Store is
// one): a lock held once across all replicas, and the job's last start.
type Locker interface {
	Exclusiver
	// StartJobRun records the job's start at at, unless a start from
	// since to until is recorded (started=false).
	StartJobRun(ctx context.Context, name string, at, since, until time.Time) (started bool, err error)
}

// Once runs fn on spec once across all replicas, and once per interval of
// spec across them. Every replica keeps its own ticks; a tick takes the
// job's cluster-wide lock (a replica whose tick finds another running the
// job skips it), then reads when the job last started on any replica and
// skips the tick when that start belongs to this tick's interval:
//
//   - @every D: the job started less than 9/10 of D ago. Each replica's
//     ticks come at its own times (D from when it started), so without
//     this N replicas ran the job up to N times per D. When the replica
//     that ran it stops, another runs it within D or so.
//   - a cron time (*/15 * * * *): the job started at or after this tick's
//     scheduled time, less a small tolerance. Every replica's ticks fall at
//     the same clock times; a replica whose tick comes late (a clock
//     behind, a slow schedule check) skips the tick another ran.
//
// Otherwise it records this start, in the lock, and runs fn. A skipped tick
// is logged at debug and counted as skipped
// (postvakt_job_runs_total{outcome="skipped"}). A run that fails, panics
// or is hard-stopped midway still counts as started: the job runs again in
// the next interval, not at the next tick. The replicas' clocks should
// agree (NTP): the starts are compared across them. A start recorded
// further ahead of this replica's clock than ranUntil allows (a clock
// that was wrong) does not count as this interval's.
func (s *Scheduler) Once(spec, name string, fn Func) error {
	if s.locker == nil {
		return fmt.Errorf("schedule %s: no locker for a cluster-wide job", name)
	}
	sched, err := Parse(spec)
	if err != nil {
		return fmt.Errorf("schedule %s with %q: %w", name, spec, err)
	}
	s.addOnce(sched, name, fn)
	return nil
}

// addOnce schedules a cluster-wide job with any cron.Schedule (tests use
// fast ones).
func (s *Scheduler) addOnce(sched cron.Schedule, name string, fn Func) {
	s.add(sched, name, s.once(name, sched, fn))
}

// once is fn under the cluster-wide lock name, run when no replica started
// it in this tick's interval of sched: errNotHere when another replica
// holds the lock, errRanThisInterval when one started it already.
func (s *Scheduler) once(name string, sched cron.Schedule, fn Func) Func {
	since := ranSince(sched)
	return func(ctx context.Context) error {
		started := false
		err := Exclusive(ctx, s.locker, name, errNotHere, func(ctx context.Context) error {
			now := time.Now()
			var err error
			from := since(now)
			if started, err = s.locker.StartJobRun(ctx, name, now, from, ranUntil(now, from)); err != nil || !started {
				return err
			}
			return fn(ctx)
		})
		if err == nil && !started {
			return errRanThisInterval
		}
		return err
	}
}

var (
	// errNotHere: another replica runs this tick of a cluster-wide job.
	errNotHere = errors.New("another replica runs it")
	// errRanThisInterval: a replica (or this one before a restart)
	// started the cluster-wide job in this tick's interval.
	errRanThisInterval = errors.New("it started in this interval already")
)

// alignSlack is how much before a cron time's tick a recorded start may
// lie and still be that tick's run (a tenth of the time between the ticks
// when that is less).
const alignSlack = 5 * time.Second

// ranSince returns, for a tick of sched that comes at now, the earliest
// recorded start that is this tick's run already.
func ranSince(sched cron.Schedule) func(now time.Time) time.Time {
	switch sc := sched.(type) {
	case cron.ConstantDelaySchedule: // @every D
		return func(now time.Time) time.Time { return now.Add(-nineTenths(sc.Delay)) }
	case *cron.SpecSchedule: // a cron time: the same ticks on every replica
		return func(now time.Time) time.Time {
			at, ok := latest(sc, now)
			if !ok {
				return now.Add(-alignSlack)
			}
			slack := alignSlack
			if before, ok := latest(sc, at.Add(-time.Nanosecond)); ok {
				slack = min(slack, at.Sub(before)/10)
			}
			return at.Add(-slack)
		}
	default: // another kind (tests' fast ones): an interval to its next tick
		return func(now time.Time) time.Time { return now.Add(-nineTenths(sched.Next(now).Sub(now))) }
	}
}

func nineTenths(d time.Duration) time.Duration { return d - d/10 }

// maxAhead is the least a recorded start may lie ahead of a replica's
// clock and still be taken as this tick's run (ranUntil): more than the
// replicas' clocks drift apart without NTP for a while, far less than a
// clock set hours or days wrong.
const maxAhead = 10 * time.Minute

// ranUntil returns, for a tick at now whose run would have started at or
// after since, the latest recorded start that is still taken as this
// tick's run: as far ahead of now as since lies behind it, at least
// maxAhead. A start further ahead was recorded by a clock that was wrong
// (ahead by hours, say, until NTP set it right): counted as this
// interval's run it would hold the job back on every replica until the
// clocks reached it.
func ranUntil(now, since time.Time) time.Time { return now.Add(max(now.Sub(since), maxAhead)) }

// maxLookback bounds the search for a schedule's latest time: a cron time
// comes at least every few years (29 February).
const maxLookback = 9 * 365 * 24 * time.Hour

// latest is sched's latest time at or before t (ok=false: none within
// maxLookback). robfig/cron has no previous time, so it looks back from t
// ever further for a next time that is not after t, then steps forward.
func latest(sched cron.Schedule, t time.Time) (at time.Time, ok bool) {
	for back := time.Second; back <= maxLookback; back *= 2 {
		next := sched.Next(t.Add(-back))
		if next.IsZero() {
			return time.Time{}, false
		}
		if next.After(t) {
			continue
		}
		for {
			after := sched.Next(next)
			if after.IsZero() || after.After(t) {
				return next, true
			}
			next = after
		}
	}
	return time.Time{}, false
}
