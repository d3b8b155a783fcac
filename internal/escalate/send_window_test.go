package escalate

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/remind"
)

// From a review of the escalation run: the run decided with its start as
// now, and its workers then sent every organisation's reminder. A run
// that starts at 15:58 with many organisations due kept sending after
// 16:00, when the policy's send window (08-16) had closed. A reminder
// whose window closed before its send begins waits for the next window,
// and goes then, once.
func TestReminderWhoseWindowClosedDuringTheRunWaits(t *testing.T) {
	h := newHarness(t)
	h.esc.Workers, h.esc.ClaimBatch = 1, 1
	orgs := h.orgsWithLetters(3)
	start := time.Date(2026, 11, 18, 15, 58, 0, 0, oslo) // Wednesday, reminder 1 due
	var mu sync.Mutex
	clock := start
	h.esc.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	h.esc.OnOutcome = func(remind.Outcome) {
		// The first organisation's reminder took the run past 16:00.
		mu.Lock()
		defer mu.Unlock()
		clock = time.Date(2026, 11, 18, 16, 1, 0, 0, oslo)
	}
	sum := h.run(start)
	first := h.take()
	if len(first) != 1 || sum.Reminders != 1 {
		t.Fatalf("run from 15:58, its window closing at 16:00 after the first organisation: %d messages, summary %s; want 1", len(first), sum)
	}
	if sum.WindowClosed != 2 {
		t.Errorf("summary counts %d organisations waiting for the window that closed during the run, want 2: %s", sum.WindowClosed, sum)
	}
	next := time.Date(2026, 11, 19, 8, 15, 0, 0, oslo)
	h.esc.OnOutcome = nil
	mu.Lock()
	clock = next
	mu.Unlock()
	h.run(next)
	second := h.take()
	eachRemindedOnce(t, orgs, first, second)
	h.checkLogs()
}

// The window may close between a batch's claim and the send of its later
// messages: those are given back, not sent, and go in the next window.
func TestClaimedReminderWhoseWindowClosedBeforeItsSendWaits(t *testing.T) {
	h := newHarness(t)
	h.esc.Workers, h.esc.ClaimBatch = 1, 3
	orgs := h.orgsWithLetters(3)
	start := time.Date(2026, 11, 18, 15, 59, 0, 0, oslo)
	var mu sync.Mutex
	calls := 0
	h.esc.Clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		// Three looks when the batch is handed out, three before the
		// claim, one before the first send: then it is past 16:00.
		if calls++; calls <= 7 {
			return start
		}
		return time.Date(2026, 11, 18, 16, 0, 30, 0, oslo)
	}
	sum := h.run(start)
	first := h.take()
	if len(first) != 1 || sum.WindowClosed != 2 {
		t.Fatalf("batch of 3 claimed at 15:59, the window closing after the first send: %d messages, summary %s; want 1 sent, 2 waiting", len(first), sum)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE status = 'pending'`); n != 0 {
		t.Errorf("%d reminders left pending (claimed, not given back)", n)
	}
	// What the unit and operations read of them (the unresolved list)
	// says the window closed, not that the run stopped for a deploy.
	var why []string
	if err := h.st.DB().Select(&why, `SELECT last_error FROM notifications WHERE status = 'failed'`); err != nil {
		t.Fatal(err)
	}
	for _, w := range why {
		if !strings.Contains(w, "send window closed") || strings.Contains(w, "deploy") {
			t.Errorf("a reminder given back as its send window closed reads %q, want it to say the window closed", w)
		}
	}
	if len(why) != 2 {
		t.Errorf("%d reminders given back (failed), want 2", len(why))
	}
	// Operations reading the run's line see why fewer went out.
	if line := h.runDoneLine(); !strings.Contains(line, "window_closed=2") {
		t.Errorf("the run's summary line does not count the 2 reminders waiting for the window that closed:\n%s", line)
	}
	next := time.Date(2026, 11, 19, 8, 15, 0, 0, oslo)
	h.esc.Clock = func() time.Time { return next }
	h.run(next)
	second := h.take()
	eachRemindedOnce(t, orgs, first, second)
	h.checkLogs()
}

// runDoneLine is the last run's "escalation run done" log line.
func (h *harness) runDoneLine() string {
	var line string
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, `msg="escalation run done"`) {
			line = l
		}
	}
	return line
}

// eachRemindedOnce reports each of orgs that did not get exactly one of
// the messages of the first run and the next morning's.
func eachRemindedOnce(t *testing.T, orgs []string, first, second []received) {
	t.Helper()
	got := map[string]int{}
	for _, m := range append(first, second...) {
		got[m.org]++
	}
	for _, o := range orgs {
		if got[o] != 1 {
			t.Errorf("organisation %s got %d reminders over the two runs, want 1 (%d the first run, %d the next morning)", o, got[o], len(first), len(second))
		}
	}
}

// profileBook is Altinn Profile as the address lookup sees it: every
// organisation asked has the address the harness reads back
// (post-<org>@example.no), and the organisations asked are kept.
type profileBook struct {
	mu    sync.Mutex
	asked []string
}

func (p *profileBook) Lookup(_ context.Context, orgs []string) (map[string][]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, orgs...)
	out := map[string][]string{}
	for _, o := range orgs {
		out[o] = []string{"post-" + o + "@example.no"}
	}
	return out, nil
}

// A run as of 15:59 that reaches its organisations' reminders after the
// send window closed at 16:00 (a long scan) sends none of them, and asks
// Altinn Profile for none of their addresses either: each lookup costs
// the quota Altinn gives, for a reminder that waits for the next window,
// whose run looks the address up then.
func TestNoAddressLookupPastTheClosedWindow(t *testing.T) {
	h := newHarness(t)
	orgs := orgNumbers(3)
	for _, o := range orgs {
		h.register(confidential(o, 1)...) // no address imported: Profile's
	}
	profile := &profileBook{}
	h.esc.Addresses = &remind.Resolver{Book: h.st, Profile: profile, Logger: h.logger()}
	h.esc.LookupBatch = 1
	start := time.Date(2026, 11, 18, 15, 59, 0, 0, oslo)
	h.esc.Clock = func() time.Time { return time.Date(2026, 11, 18, 16, 0, 30, 0, oslo) }
	sum := h.run(start)
	if got := h.take(); len(got) != 0 || sum.WindowClosed != 3 {
		t.Fatalf("run as of 15:59 reaching its organisations at 16:00:30: %d messages, summary %s; want none sent, 3 waiting", len(got), sum)
	}
	if len(profile.asked) != 0 {
		t.Errorf("Altinn Profile asked about %v past the closed window, want none", profile.asked)
	}
	next := time.Date(2026, 11, 19, 8, 15, 0, 0, oslo)
	h.esc.Clock = func() time.Time { return next }
	h.run(next)
	eachRemindedOnce(t, orgs, nil, h.take())
	if len(profile.asked) != 3 {
		t.Errorf("the next morning's run asked Altinn Profile about %v, want the 3 organisations", profile.asked)
	}
	h.checkLogs()
}
