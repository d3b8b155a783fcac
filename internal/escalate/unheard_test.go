package escalate

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter the channel has never heard of gets no reminder while its
// reminder is due (the run counts it Unheard and records "reminder 1 not
// sent (unknown to the channel)"); the other letters of the same
// organisation are reminded as usual. Once a poll hears of it the next run
// sends its reminder; one still unknown becomes print due at its print
// window, without ever being listed in a reminder.
func TestRunUnknownToTheChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	ids, cids := h.register(append(confidential(firmaA, 3), confidential(firmaB, 1)...)...)
	h.contacts(firmaA, firmaB)
	heard, known, never, other := ids[0], ids[1], ids[2], ids[3]
	storetest.Set(t, h.st, []string{heard, never}, storetest.UnknownToChannelSince(monday.Add(2*time.Hour)))

	sum := h.run(due1)
	// Recorded: the two held back (by the run) and the two reminded (by
	// their claim), each once.
	if sum.Unheard != 2 || sum.Orgs != 2 || sum.Reminders != 2 || sum.Recorded != 4 {
		t.Fatalf("at the first reminder: %+v; want 2 unheard, 2 organisations reminded of 2 letters", sum)
	}
	byOrg := func(got []received) map[string][]string {
		m := map[string][]string{}
		for _, r := range got {
			m[r.org] = append(m[r.org], r.refs...)
		}
		return m
	}
	if got := byOrg(h.take()); !reflect.DeepEqual(got, map[string][]string{firmaA: {cids[1]}, firmaB: {cids[3]}}) {
		t.Fatalf("reminders %v; want %s only for %s (its unknown letters held back) and %s", got, cids[1], firmaA, firmaB)
	}
	step := func(id string) (step string, stage model.Stage, sent int) {
		t.Helper()
		var r struct {
			Step  string      `db:"escalation_step"`
			Stage model.Stage `db:"stage"`
			Sent  int         `db:"reminders_sent"`
		}
		if err := h.st.DB().Get(&r, `SELECT escalation_step, stage, reminders_sent FROM shipments WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return r.Step, r.Stage, r.Sent
	}
	for _, id := range []string{heard, never} {
		if s, _, n := step(id); s != "reminder 1 not sent (unknown to the channel)" || n != 0 {
			t.Fatalf("unknown letter: step %q, %d reminders sent", s, n)
		}
		if n := h.count(`SELECT count(*) FROM shipment_events WHERE shipment_id = $1 AND kind = 'decision'
			AND message LIKE '%not sent: the channel has never heard of the shipment%'`, id); n != 1 {
			t.Fatalf("%d decision events saying why the reminder was not sent, want 1", n)
		}
	}
	for _, id := range []string{known, other} {
		if s, stage, n := step(id); s != "reminder 1" || stage != model.StageReminded || n != 1 {
			t.Fatalf("known letter: %q %s %d", s, stage, n)
		}
	}
	// Still unknown the next morning: nothing, and the decision is not
	// recorded again.
	thursday := time.Date(2026, 11, 19, 9, 0, 0, 0, oslo)
	if sum := h.run(thursday); sum.Orgs != 0 || len(h.take()) != 0 {
		t.Fatalf("next morning, still unknown: %+v", sum)
	}
	// A poll hears of one of them: the next run reminds of it.
	sh, err := h.st.Shipment(ctx, heard, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	nextPoll := thursday.Add(time.Hour)
	if _, err := h.st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: heard, ChannelID: sh.ChannelID, State: sh.State,
		ChannelStatus: sh.ChannelStatus, SentAt: sh.SentAt, UnknownSince: sh.UnknownToChannelSince},
		Source: "svarut", ObservedAt: thursday, Status: sh.ChannelStatus, State: sh.State, NextPollAt: &nextPoll}}); err != nil {
		t.Fatal(err)
	}
	sum = h.run(thursday.Add(time.Minute))
	if sum.Unheard != 0 || sum.Orgs != 1 || sum.Reminders != 1 {
		t.Fatalf("after the channel knows it: %+v; want its reminder sent", sum)
	}
	if got := byOrg(h.take()); !reflect.DeepEqual(got, map[string][]string{firmaA: {cids[0]}}) {
		t.Fatalf("reminders %v; want %s for %s", got, cids[0], firmaA)
	}
	if s, stage, n := step(heard); s != "reminder 1" || stage != model.StageReminded || n != 1 {
		t.Fatalf("letter the channel knows now: %q %s %d", s, stage, n)
	}
	// The letter never heard of: print at its print window, as the policy
	// says, and no reminder about it in between.
	for _, at := range []time.Time{time.Date(2026, 11, 23, 12, 0, 0, 0, oslo), time.Date(2026, 11, 24, 12, 0, 0, 0, oslo)} {
		h.run(at)
		for _, r := range h.take() {
			for _, ref := range r.refs {
				if ref == cids[2] {
					t.Fatalf("%s: a reminder lists the letter the channel never heard of", at)
				}
			}
		}
	}
	if _, stage, _ := step(never); stage != model.StageNone {
		t.Fatalf("before its print window: stage %s", stage)
	}
	sum = h.run(printDay)
	if _, stage, n := step(never); stage != model.StagePrintDue || n != 0 || sum.PrintDue < 1 {
		t.Fatalf("at its print window: stage %s, %d reminders; summary %+v", stage, n, sum)
	}
	for _, r := range h.take() {
		if strings.Contains(strings.Join(r.refs, " "), cids[2]) {
			t.Fatal("a reminder lists the letter the channel never heard of")
		}
	}
	h.checkLogs()
}
