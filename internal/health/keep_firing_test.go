package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
)

// TestKeepFiringThroughEvaluation: a condition that comes and goes between
// evaluations (make run's unit_delivery_drop fired at 04:01, resolved at
// 04:02, fired at 04:03: three mails) is one alert with one mail while it
// is gone for less than keep_firing_for; gone for longer, the alert
// resolves once. On a real database, with a fake clock, the mails through
// a real SMTP server. The condition here is certificate_expiring's, which
// the test turns on and off by the certificate's end.
func TestKeepFiringThroughEvaluation(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	b := newBench(t)
	ev := b.certificateOnly()
	keep := ev.Config.Certificate.KeepFiringFor
	if keep != 15*time.Minute {
		t.Fatalf("keep_firing_for %s, want the default 15m", keep)
	}
	cert := &fakeCertified{}
	ev.Certificates = []channel.Certified{cert}
	on := func() { cert.end = b.now.Add(10 * day) }
	off := func() { cert.end = b.now.Add(300 * day) }

	on()
	res := b.run(ev)
	if len(res.Fired) != 1 {
		t.Fatalf("on: fired %v", active(res))
	}
	id := res.Fired[0].ID
	if m, _ := b.sent(); m != 1 {
		t.Fatalf("on: %d mails, want one", m)
	}
	// Off for less than keep_firing_for, minute by minute: still firing,
	// the same alert, nothing told.
	for range 5 {
		b.now = b.now.Add(time.Minute)
		off()
		res = b.run(ev)
		if len(res.Firing) != 1 || res.Firing[0].ID != id || len(res.Resolved) != 0 || len(res.Fired) != 0 {
			t.Fatalf("off at %s: firing %v, resolved %d, fired %d; want alert %d kept firing", b.now, active(res), len(res.Resolved), len(res.Fired), id)
		}
	}
	// On again: the same alert, no second "firing" mail.
	b.now = b.now.Add(time.Minute)
	on()
	res = b.run(ev)
	if len(res.Fired) != 0 || len(res.Firing) != 1 || res.Firing[0].ID != id {
		t.Fatalf("on again: fired %v, firing %v; want alert %d", res.Fired, active(res), id)
	}
	if m, h := b.sent(); m+h != 0 {
		t.Fatalf("on again within keep_firing_for: %d mails, %d webhook messages; want none", m, h)
	}
	// Off for keep_firing_for: resolved, once, told once.
	held := b.now
	off()
	for b.now.Sub(held) < keep+2*time.Minute {
		b.now = b.now.Add(time.Minute)
		res = b.run(ev)
		resolved := b.now.Sub(held) >= keep
		if resolved && b.now.Sub(held) == keep {
			if len(res.Resolved) != 1 || res.Resolved[0].ID != id || len(res.Firing) != 0 {
				t.Fatalf("%s after it last held: resolved %v, firing %v; want alert %d resolved", keep, res.Resolved, active(res), id)
			}
			continue
		}
		if len(res.Resolved) != 0 || len(res.Firing) != map[bool]int{true: 0, false: 1}[resolved] {
			t.Fatalf("%s after it last held: resolved %v, firing %v", b.now.Sub(held), res.Resolved, active(res))
		}
	}
	ms := b.mp.Messages(t)
	if len(ms) != 1 || ms[0].Subject != "[postvakt] RESOLVED certificate_expiring: 1 alert" {
		t.Errorf("mails %v, want the one resolution", subjects(ms))
	}
}

// TestKeptAlertRepeatSaysAsOf: a repeat told while the alert is kept
// firing without its condition (repeat_interval 2m, keep_firing_for 15m)
// says that what it tells is as of when the condition last held, through
// a real evaluation, store and SMTP server; the first notice, its
// condition holding, does not.
func TestKeptAlertRepeatSaysAsOf(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.certificateOnly()
	ev.Config.Certificate.RepeatInterval = 2 * time.Minute
	cert := &fakeCertified{end: b.now.Add(10 * 24 * time.Hour)}
	ev.Certificates = []channel.Certified{cert}
	const kept = "kept firing: its condition has not held since 2026-05-15 14:00 CEST"

	b.run(ev)
	ms := b.mp.Messages(t)
	if len(ms) != 1 || strings.Contains(ms[0].Text, "kept firing") {
		t.Fatalf("first notice: %d mails, or it says it is kept:\n%v", len(ms), ms)
	}
	b.mp.DeleteAll(t)
	cert.end = b.now.Add(300 * 24 * time.Hour) // renewed: the condition is gone
	b.now = b.now.Add(3 * time.Minute)
	if res := b.run(ev); len(res.Firing) != 1 || len(res.Resolved) != 0 {
		t.Fatalf("3 minutes without its condition: firing %v, resolved %d; want it kept", active(res), len(res.Resolved))
	}
	ms = b.mp.Messages(t)
	if len(ms) != 1 || !strings.Contains(ms[0].Text, kept) {
		t.Fatalf("the repeat while kept: %d mails; want one saying %q:\n%v", len(ms), kept, ms)
	}
}
