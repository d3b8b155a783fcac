package jobs

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"postvakt/internal/logtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// every is @every d below robfig/cron's second: the next tick d after the
// last one, so each replica's ticks come at its own times.
type every time.Duration

func (d every) Next(t time.Time) time.Time { return t.Add(time.Duration(d)) }

// runLog notes when each run of the job began, on any replica.
type runLog struct {
	mu sync.Mutex
	at []time.Time
}

func (l *runLog) add(t time.Time) { l.mu.Lock(); l.at = append(l.at, t); l.mu.Unlock() }

// replica is one serve process on the shared store: a scheduler that runs
// "job" once cluster-wide on sched, counting its ticks (Require is asked
// at each, before the lock; it waits late there, a replica whose tick comes
// late) and its runs.
type replica struct {
	s           *Scheduler
	ticks, runs atomic.Int32
	stopped     sync.Once
}

func newReplica(t *testing.T, st *store.Store, log *slog.Logger, sched cron.Schedule, ran *runLog, late time.Duration) *replica {
	t.Helper()
	r := &replica{s: New(log, st)}
	r.s.Require(func(context.Context) error {
		r.ticks.Add(1)
		time.Sleep(late)
		return nil
	})
	r.s.addOnce(sched, "job", func(context.Context) error {
		r.runs.Add(1)
		ran.add(time.Now())
		return nil
	})
	r.s.Start()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) stop() { r.stopped.Do(func() { r.s.Stop(time.Second) }) }

// Two replicas on @every-like schedules, their ticks apart, run a
// cluster-wide job once per interval between them, not each in its own
// ticks; the skipped ticks are counted and logged at debug. Without the
// job's last start (only the lock) each replica ran it at each tick.
func TestOnceRunsOncePerIntervalAcrossReplicas(t *testing.T) {
	st := storetest.Open(t)
	var logs logtest.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const d = 300 * time.Millisecond
	var ran runLog
	a := newReplica(t, st, log, every(d), &ran, 0)
	time.Sleep(d * 2 / 5) // the second replica starts 120 ms later: its ticks fall between the first's
	b := newReplica(t, st, log, every(d), &ran, 0)
	waitFor(t, "six ticks on each replica", func() bool { return a.ticks.Load() >= 6 && b.ticks.Load() >= 6 })
	a.stop()
	b.stop()
	ta, tb, runs := a.ticks.Load(), b.ticks.Load(), a.runs.Load()+b.runs.Load()
	if runs > max(ta, tb)+1 || runs < min(ta, tb)-1 {
		t.Fatalf("%d runs in %d and %d ticks of the replicas: want about one per interval (the first replica's %d runs, the second's %d)",
			runs, ta, tb, a.runs.Load(), b.runs.Load())
	}
	if out := logs.String(); !strings.Contains(out, "scheduled job skipped") || !strings.Contains(out, `reason="it started in this interval already"`) {
		t.Errorf("no skipped tick logged at debug with its reason:\n%s", out)
	}
}

// When the replica that runs a cluster-wide job stops, the other runs it in
// every interval from then on (while both ran, they ran it once per
// interval between them).
func TestOnceOtherReplicaTakesOver(t *testing.T) {
	st := storetest.Open(t)
	log := slog.New(slog.DiscardHandler)
	const d = 300 * time.Millisecond
	var ran runLog
	a := newReplica(t, st, log, every(d), &ran, 0)
	time.Sleep(d * 2 / 5)
	a0 := a.runs.Load()
	b := newReplica(t, st, log, every(d), &ran, 0)
	waitFor(t, "four ticks on the second replica", func() bool { return b.ticks.Load() >= 4 })
	a.stop()
	// While both ran: once per interval between them, whichever's tick
	// came first (on a loaded machine the first replica's tick may come
	// after the second's, which then runs it, or late enough that the
	// second's next tick still finds the interval's start taken: one
	// interval more or less at either end), neither each in its own ticks
	// nor starved.
	together, ticks := a.runs.Load()-a0+b.runs.Load(), b.ticks.Load()
	if together > ticks+1 || together < ticks-2 {
		t.Fatalf("the replicas ran the job %d times (the first %d, the second %d) in the second's %d ticks: want once per interval",
			together, a.runs.Load()-a0, b.runs.Load(), ticks)
	}
	ticks0, runs0 := b.ticks.Load(), b.runs.Load()
	waitFor(t, "five more ticks on the second replica", func() bool { return b.ticks.Load() >= ticks0+5 })
	b.stop()
	ticks, runs := b.ticks.Load()-ticks0, b.runs.Load()-runs0
	if runs < ticks-1 { // its first tick may come within the interval of the first replica's last run
		t.Fatalf("after the first replica stopped, the second ran the job %d times in %d ticks: want every interval", runs, ticks)
	}
}

// A start recorded by a replica whose clock was far ahead (a day, before
// NTP set it right) does not hold the job back on the replicas with the
// right time: their next tick runs it. Without ranUntil no replica ran it
// until their clocks reached that start.
func TestOnceStartFromAClockAheadDoesNotHoldBack(t *testing.T) {
	st := storetest.Open(t)
	ahead := time.Now().Add(24 * time.Hour)
	if ok, err := st.StartJobRun(context.Background(), "job", ahead, ahead, ahead); err != nil || !ok {
		t.Fatalf("record a start a day ahead: %v %v", ok, err)
	}
	var ran runLog
	r := newReplica(t, st, slog.New(slog.DiscardHandler), every(300*time.Millisecond), &ran, 0)
	waitFor(t, "four ticks", func() bool { return r.ticks.Load() >= 4 })
	r.stop()
	if n := r.runs.Load(); n < 2 {
		t.Fatalf("the job ran %d times in %d ticks after a start recorded a day ahead: want every interval", n, r.ticks.Load())
	}
}

// A cron time's ticks fall at the same clock times on every replica: the
// job runs once a tick, also when a replica's tick comes later than the
// other's (here 300 ms, after the first replica's run has released the
// lock). Without the last start, the late replica ran it again each tick.
func TestOnceCronRunsOnceATick(t *testing.T) {
	st := storetest.Open(t)
	log := slog.New(slog.DiscardHandler)
	everySecond, err := cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow).Parse("* * * * * *")
	if err != nil {
		t.Fatal(err)
	}
	var ran runLog
	a := newReplica(t, st, log, everySecond, &ran, 0)
	b := newReplica(t, st, log, everySecond, &ran, 300*time.Millisecond)
	waitFor(t, "three ticks on each replica", func() bool { return a.ticks.Load() >= 3 && b.ticks.Load() >= 3 })
	a.stop()
	b.stop()
	perTick := map[time.Time]int{}
	for _, at := range ran.at {
		perTick[at.Truncate(time.Second)]++
	}
	for tick, n := range perTick {
		if n != 1 {
			t.Errorf("the tick of %s ran the job %d times", tick.Format("15:04:05"), n)
		}
	}
	if len(perTick) < 2 {
		t.Errorf("the job ran in %d ticks of %d", len(perTick), a.ticks.Load())
	}
}

// ranSince: a tick of @every D counts a start less than 9/10 of D ago as
// its own run; a cron time's tick one at or after its scheduled time, less
// 5 s (a tenth of the time between its ticks when that is less).
func TestRanSince(t *testing.T) {
	withSeconds := cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	parse := func(p interface {
		Parse(string) (cron.Schedule, error)
	}, spec string) cron.Schedule {
		t.Helper()
		s, err := p.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	standard := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse("2006-01-02 15:04:05.000", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		sched cron.Schedule
		now   string
		want  string
	}{
		{"@every 30s", parse(standard, "@every 30s"), "2026-12-02 08:00:11.300", "2026-12-02 07:59:44.300"},
		{"@every 1h", parse(standard, "@every 1h"), "2026-12-02 08:00:00.000", "2026-12-02 07:06:00.000"},
		{"cron time at its tick", parse(standard, "*/15 * * * *"), "2026-12-02 08:15:00.000", "2026-12-02 08:14:55.000"},
		{"cron time just after its tick", parse(standard, "*/15 * * * *"), "2026-12-02 08:15:00.250", "2026-12-02 08:14:55.000"},
		{"cron time late in its interval", parse(standard, "*/15 * * * *"), "2026-12-02 08:29:59.999", "2026-12-02 08:14:55.000"},
		{"daily", parse(standard, "30 2 * * *"), "2026-12-02 02:30:00.010", "2026-12-02 02:29:55.000"},
		{"a leap day", parse(standard, "0 0 29 2 *"), "2027-03-01 00:00:00.000", "2024-02-28 23:59:55.000"},
		{"every second: a tenth of it", parse(withSeconds, "* * * * * *"), "2026-12-02 08:00:00.500", "2026-12-02 07:59:59.900"},
		{"another kind: 9/10 of the time to its next tick", every(10 * time.Millisecond), "2026-12-02 08:00:00.000", "2026-12-02 07:59:59.991"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ranSince(tc.sched)(at(tc.now)); !got.Equal(at(tc.want)) {
				t.Errorf("at %s: %s, want %s", tc.now, got.Format("2006-01-02 15:04:05.000"), tc.want)
			}
		})
	}
}

// ranUntil: a recorded start as far ahead of now as since lies behind it
// is still this tick's run, at least maxAhead ahead; one further ahead is
// not.
func TestRanUntil(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		since time.Time
		want  time.Time
	}{
		{"a cron time's 5 s", now.Add(-5 * time.Second), now.Add(maxAhead)},
		{"@every 1h's 54 min", now.Add(-54 * time.Minute), now.Add(54 * time.Minute)},
	} {
		if got := ranUntil(now, tc.since); !got.Equal(tc.want) {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
