package jobs

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// stallAfter is how late a tick may be before the scheduler counts as
// stalled: far beyond a busy machine's delay in starting a goroutine, short
// enough that a restart comes within minutes.
const stallAfter = 5 * time.Minute

// tick is when the dispatcher owes a job its next tick.
type tick struct {
	job     string
	sched   cron.Schedule
	running atomic.Int64 // when the run in progress began (unix ns); 0: none

	mu  sync.Mutex
	due time.Time // zero: never (a schedule with no next time)
}

// came records a tick (or the start) at now: the next is due when the
// schedule says, measured from now on the monotonic clock (now.Add keeps
// it), so that a step of the wall clock is no missed tick.
func (t *tick) came(now time.Time) {
	next := t.sched.Next(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	if next.IsZero() {
		t.due = time.Time{}
		return
	}
	t.due = now.Add(next.Sub(now))
}

// late is how long past its due time the job's tick is at now (≤ 0: not
// late, or never due).
func (t *tick) late(now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.due.IsZero() {
		return 0
	}
	return now.Sub(t.due)
}

// Stalled is the scheduler's liveness: an error when the dispatcher has
// not handed some job its tick for stallAfter past the time the schedule
// set (robfig/cron's loop is wedged, and only a restart mends it), nil
// otherwise, and nil before Start and from Stop on. A job that runs long
// is not a stall: its ticks still come (and are skipped), and a run may
// wait long for the database, which a restart would not mend. It takes no
// lock another goroutine holds for long, and asks no one: cheap enough for
// a probe every few seconds. now should be time.Now() (its monotonic
// reading is what is compared).
func (s *Scheduler) Stalled(now time.Time) error {
	if !s.started.Load() || Draining(s.ctx) {
		return nil
	}
	s.ticksMu.Lock()
	defer s.ticksMu.Unlock()
	for _, tk := range s.ticks {
		if late := tk.late(now); late > s.stallAfter {
			return fmt.Errorf("job %s: no tick for %s past its time: the scheduler is stalled", tk.job, late.Round(time.Second))
		}
	}
	return nil
}
