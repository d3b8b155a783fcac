package jobs

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Stalled is the liveness: nil before Start; nil while the dispatcher hands
// out its ticks, even while the job's run hangs (its ticks are skipped, not
// missed: a run waiting on the database is no reason to restart); an error
// naming the job once the dispatcher stops ticking for longer than
// stallAfter; nil again from Stop on.
func TestStalled(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), nil)
	s.stallAfter = 300 * time.Millisecond
	var runs atomic.Int32
	release := make(chan struct{})
	s.add(fast{}, "hangs", func(ctx context.Context) error {
		runs.Add(1)
		select { // the first run hangs until released
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	if err := s.Stalled(time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("before Start: %v", err)
	}
	s.Start()
	waitFor(t, "the first run", func() bool { return runs.Load() == 1 })
	time.Sleep(3 * s.stallAfter) // the run hangs; its ticks keep coming
	if err := s.Stalled(time.Now()); err != nil {
		t.Fatalf("a hanging run whose ticks still come counts as stalled: %v", err)
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("%d runs: the ticks while the first hangs should be skipped", n)
	}
	close(release)

	// The dispatcher stops ticking (as a wedged cron loop would) without
	// the scheduler being asked to stop.
	<-s.cron.Stop().Done()
	time.Sleep(2 * s.stallAfter)
	err := s.Stalled(time.Now())
	if err == nil || !strings.Contains(err.Error(), "hangs") || !strings.Contains(err.Error(), "stalled") {
		t.Fatalf("no tick for twice stallAfter: %v, want an error naming the job", err)
	}
	s.Stop(time.Second)
	if err := s.Stalled(time.Now()); err != nil {
		t.Fatalf("after Stop: %v", err)
	}
}

// TestScheduleZone: a schedule is read in the process's zone (time.Local,
// TZ), unless it names one with CRON_TZ= as the README says: "0 7 * * *"
// is next due at 07:00 local time, "CRON_TZ=Europe/Oslo 0 7 * * *" at
// 07:00 in Oslo whatever TZ says.
func TestScheduleZone(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	s := New(slog.New(slog.DiscardHandler), nil)
	for _, spec := range []string{"0 7 * * *", "CRON_TZ=Europe/Oslo 0 7 * * *"} {
		if err := s.Every(spec, spec, func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for i, loc := range []*time.Location{time.Local, oslo} {
		tk := s.ticks[i]
		tk.mu.Lock()
		due := tk.due.In(loc)
		tk.mu.Unlock()
		if due.Hour() != 7 || due.Minute() != 0 || due.Sub(time.Now()) > 25*time.Hour {
			t.Errorf("%s: next due %s, want the next 07:00 in %s", tk.job, due, loc)
		}
	}
}
