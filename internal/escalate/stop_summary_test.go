package escalate

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/jobs"
	"postvakt/internal/remind"
)

// stopAtFirstSend is a Sender that asks the scheduler for the soft stop
// (what serve does at SIGTERM) while the run's first message is on its
// way, and sends that message once the run sees the stop.
type stopAtFirstSend struct {
	remind.Sender
	stop func()
	once sync.Once
}

func (s *stopAtFirstSend) Send(ctx context.Context, m *remind.Message) error {
	s.once.Do(func() {
		go s.stop()
		for !jobs.Draining(ctx) {
			time.Sleep(time.Millisecond)
		}
	})
	return s.Sender.Send(ctx, m)
}

// TestStopDuringSendsSaysSoInSummary: a stop asked for while a run's
// reminders go out (a deploy's SIGTERM) gives back the claimed ones not yet
// begun; the run's summary says it stopped early and how many it gave back,
// not stopped_early=false with them seen only in `notifications list`.
func TestStopDuringSendsSaysSoInSummary(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.orgsWithLetters(3)
	sched := jobs.New(h.logger(), nil)
	r := h.reminder(h.mp.SMTPAddr)
	r.Sender = &stopAtFirstSend{Sender: r.Sender, stop: func() { sched.Stop(time.Minute) }}
	h.esc.Remind = r
	h.esc.Workers, h.esc.ClaimBatch = 1, 3 // one batch: one sent, two given back

	var sum Summary
	var runErr error
	done := make(chan struct{})
	var ran sync.Once
	if err := sched.Every("@every 1s", "escalate", func(ctx context.Context) error {
		ran.Do(func() {
			defer close(done)
			sum, runErr = h.esc.Run(ctx, due1)
		})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sched.Start()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the run did not end")
	}
	if runErr != nil {
		t.Fatal(runErr)
	}
	if got := len(h.take()); got != 1 {
		t.Fatalf("%d messages sent, want the one begun before the stop", got)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE status = 'failed' AND last_error LIKE 'the sending run stopped%'`); n != 2 {
		t.Fatalf("%d reminders given back, want 2", n)
	}
	if !sum.StoppedEarly || sum.GivenBack != 2 || sum.Orgs != 1 {
		t.Errorf("summary %+v: want stopped early, 2 given back, 1 sent", sum)
	}
	if s := sum.String(); !strings.Contains(s, "2 reminders given back") {
		t.Errorf("summary %q does not count the reminders given back", s)
	}
	if line := h.runDoneLine(); !strings.Contains(line, "stopped_early=true") || !strings.Contains(line, "given_back=2") {
		t.Errorf("the run's summary line does not say it stopped early and gave back 2:\n%s", line)
	}
	h.checkLogs()
}
