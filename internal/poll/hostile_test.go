package poll_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/sim"
	"postvakt/internal/store"
)

// poisonError is what the poll_error of each poisoned letter must say.
var poisonError = map[string]string{
	"svarut/fails_forever":  "fails whenever this letter is asked about",
	"svarut/truncated":      "fails whenever this letter is asked about",
	"svarut/epoch_seconds":  "looks like epoch seconds",
	"svarut/future":         "in the future",
	"svarut/unknown_status": "unknown status value",
	"altinn/forbidden":      "code 4001",
	"altinn/fails_forever":  "after retries",
	"altinn/truncated":      "unreadable status record",
	"altinn/epoch_seconds":  "statusChanged",
}

// TestHostileScenario polls the hostile world over several cycles, moving
// the simulator's clock: every letter whose channel gave a readable answer
// ends in its true state, each poisoned letter is isolated with its own
// error (and the letters the channel never heard of are marked so), no
// cycle fails, and nothing of the letters' content reaches the evidence.
func TestHostileScenario(t *testing.T) {
	w := newWorld(t, "hostile", false)
	chans := w.channels(t)
	var log bytes.Buffer
	p := w.poller(&log)
	ctx := context.Background()
	for step := 0; step < 4; step++ {
		w.clock.Advance(9 * time.Hour)
		for _, ch := range chans {
			sum, err := p.Poll(ctx, ch)
			if err != nil {
				t.Fatalf("cycle %d, %s: %v (%+v): a channel that answered was reached", step, ch.Name(), err, sum)
			}
		}
	}
	var readable, poisoned, unknown int
	for _, r := range w.sim.ShipmentsWithStatus() {
		sh, err := w.st.Shipment(ctx, w.ids[r.ChannelID], store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		key := r.Channel + "/" + r.Poison
		var last *store.Event
		if n := len(sh.Events); n > 0 {
			last = &sh.Events[n-1]
		}
		switch {
		case r.Poison == "never_sent":
			unknown++
			if sh.State != model.StateRegistered || sh.UnknownToChannelSince == nil || countKind(sh.Events, store.EventUnknown) != 1 ||
				countKind(sh.Events, store.EventPollError) != 0 {
				t.Errorf("%s (never sent): %s, unknown since %v, events %v", key, sh.State, sh.UnknownToChannelSince, kinds(sh.Events))
			}
		case sim.PoisonReadable(r.Poison):
			readable++
			status := r.Status
			if r.KeptStatus != "" {
				status = r.KeptStatus
			}
			want, ok := expected[status]
			if !ok {
				t.Fatalf("simulator status %q has no expected state in this test", status)
			}
			if sh.State != want || sh.UnknownToChannelSince != nil || (r.Status != "" && sh.ChannelStatus != r.Status) {
				t.Errorf("%s %s: stored %s/%s, simulator says %s (%s); events %v", key, r.ChannelID, sh.State, sh.ChannelStatus, r.Status, want, kinds(sh.Events))
			}
			if want != model.StateRegistered && countKind(sh.Events, store.EventPollError) > 0 {
				t.Errorf("%s %s: a readable letter has poll errors: %v", key, r.ChannelID, sh.Events)
			}
		default:
			poisoned++
			msg, ok := poisonError[key]
			if !ok {
				t.Fatalf("no expected error for poison %s", key)
			}
			if sh.State != model.StateRegistered || last == nil || last.Kind != store.EventPollError || !strings.Contains(last.Message, msg) ||
				sh.NextPollAt == nil {
				t.Errorf("%s %s: %s, last event %+v; want isolated with %q", key, r.ChannelID, sh.State, last, msg)
			}
			if countKind(sh.Events, store.EventPollError) < 3 {
				t.Errorf("%s: %d poll errors in 4 cycles: it was not retried on its own", key, countKind(sh.Events, store.EventPollError))
			}
		}
		for _, e := range sh.Events {
			if e.Kind != store.EventRegistered && sh.Title != "" && bytes.Contains(e.Payload, []byte(sh.Title)) {
				t.Errorf("%s: the title reached the evidence: %s", r.ChannelID, e.Payload)
			}
		}
	}
	want := 0
	for _, kinds := range w.sim.Scenario().Poison {
		for k, n := range kinds {
			if !sim.PoisonReadable(k) && k != "never_sent" {
				want += n
			}
		}
	}
	if poisoned != want || unknown != 5 || readable < 100 {
		t.Fatalf("%d poisoned (want %d), %d unknown, %d readable", poisoned, want, unknown, readable)
	}
	if n, err := w.st.PollErrors(ctx, "svarut", time.Time{}); err != nil || n != 0 {
		var errs []string
		_ = w.st.DB().Select(&errs, `SELECT error || ' ' || shipments FROM poll_errors`)
		t.Errorf("%d whole-call poll errors on svarut: the poisoned ids were not isolated (%v): %v", n, err, errs)
	}
	if n, err := w.st.PollErrors(ctx, "altinn", time.Time{}); err != nil || n != 0 {
		t.Errorf("%d whole-call poll errors on altinn (%v)", n, err)
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", log.String())
	}
}

func countKind(evs []store.Event, kind string) int {
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func kinds(evs []store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
		if e.Message != "" {
			out[i] += "(" + e.Message + ")"
		}
	}
	return out
}
