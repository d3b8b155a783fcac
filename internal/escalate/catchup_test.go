package escalate

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/model"
	"postvakt/internal/policy"
)

// The Bergen back-fill: a history of letters registered long after their
// print window. The first run reminds every organisation once (one message
// each, inside the send window) instead of printing; print comes only
// after the catch-up grace (5 business days), and in approval batches. A
// dry run shows it per step, organisation and unit first, changing nothing.
func TestBackfillRemindsFirstThenPrintsInApprovalBatches(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cal, _ := calendar.Get("NO")
	orgs := []string{firmaA, firmaB}
	var ships []ship
	for i := 0; i < 6; i++ {
		ships = append(ships, ship{recipient: orgs[i%2], class: "taushetsbelagt", conf: true,
			sent: time.Date(2024, time.Month(1+i), 10, 10, 0, 0, 0, oslo)})
	}
	ships = append(ships, ship{recipient: firmaA, class: "barnevern", conf: true, sent: time.Date(2023, 5, 2, 10, 0, 0, 0, oslo)})
	ids, _ := h.register(ships...)
	h.contacts(orgs...)
	pr := &printRecorder{}
	h.esc.Printer = pr
	first := time.Date(2026, 11, 16, 18, 0, 0, 0, oslo) // Monday evening: outside the send window

	// The preview: what the next run would do, per step, organisation, unit.
	prev, err := h.esc.Preview(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	if len(prev.Steps) != 2 || prev.Steps[0].Step != "catch-up reminder 1" || !prev.Steps[0].Waiting ||
		prev.Steps[0].Shipments+prev.Steps[1].Shipments != 7 || prev.Steps[0].SenderUnit != "Barnevernstjenesten" {
		t.Fatalf("preview steps %+v", prev.Steps)
	}
	if n := h.count(`SELECT count(*) FROM shipments WHERE escalation_step <> '' OR catch_up_at IS NOT NULL`); n != 0 {
		t.Fatalf("the preview changed %d shipments", n)
	}

	// The first run, in the evening: decided, nothing printed, reminders
	// wait for the window.
	sum := h.run(first)
	if sum.PrintDue != 0 || sum.Quiet != 7 || len(h.take()) != 0 || len(pr.calls) != 0 {
		t.Fatalf("first run: %+v, printer %v", sum, pr.calls)
	}
	if n := h.count(`SELECT count(*) FROM shipments WHERE catch_up_at IS NOT NULL`); n != 7 {
		t.Fatalf("%d shipments catching up, want 7", n)
	}
	// Tuesday 08:00: one reminder per organisation, every letter listed.
	tuesday := time.Date(2026, 11, 17, 8, 0, 0, 0, oslo)
	sum = h.run(tuesday)
	msgs := h.take()
	if sum.PrintDue != 0 || len(msgs) != 2 || sum.Reminders != 7 {
		t.Fatalf("tuesday: %+v, %d messages", sum, len(msgs))
	}
	for _, m := range msgs {
		if want := map[string]int{firmaA: 4, firmaB: 3}[m.org]; len(m.refs) != want {
			t.Errorf("%s: %d letters listed, want %d", m.org, len(m.refs), want)
		}
	}
	// Through the grace: nothing more.
	for d := 1; d < 5; d++ {
		now := cal.AddBusinessDays(tuesday, d).Add(4 * time.Hour)
		if sum := h.run(now); sum.PrintDue != 0 || sum.Reminders != 0 || len(h.take()) != 0 {
			t.Fatalf("day %d of the grace: %+v", d, sum)
		}
	}
	// Five business days after the reminder: print, every batch held for
	// approval.
	sum = h.run(cal.AddBusinessDays(tuesday, 5))
	if sum.PrintDue != 7 || len(h.take()) != 0 {
		t.Fatalf("after the grace: %+v", sum)
	}
	got := strings.Join(pr.calls, ",")
	if strings.Count(got, "taushetsbelagt") != 6 || strings.Count(got, "barnevern") != 1 || strings.Count(got, "approval") != 2 {
		t.Fatalf("printer calls %v: want two batches, both for approval", pr.calls)
	}
	if n := h.count(`SELECT count(*) FROM shipment_events WHERE kind = 'decision' AND (payload->>'catch_up')::boolean
		AND shipment_id = ANY($1::uuid[])`, "{"+strings.Join(ids, ",")+"}"); n != 14 {
		t.Fatalf("%d catch-up decision events, want 14 (reminder and print for each)", n)
	}
	h.checkLogs()
}

// policy explain and the run follow one rule: a letter first met past its
// print window is explained as catching up, with the print after the grace.
func TestExplainCatchUp(t *testing.T) {
	t.Parallel()
	p, _ := shipped(t).Get("taushetsbelagt")
	now := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo) // Tuesday, in the window
	f := Facts{Since: time.Date(2024, 3, 1, 10, 0, 0, 0, oslo)}
	o, err := Explain(model.StateAvailable, model.StageNone, f, p, now)
	steps, note := o.Steps, o.Note
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Decide(f, p, now)
	if len(steps) != 2 || steps[0].Step != d.Step || steps[0].Step.String() != "reminder 1" || steps[1].Step.Kind != policy.StepPrint ||
		!steps[1].Due.Equal(time.Date(2026, 11, 24, 10, 0, 0, 0, oslo)) || !strings.Contains(note, "catching up") {
		t.Fatalf("steps %v, note %q", steps, note)
	}
	// Met before: the policy's own schedule, no catch-up.
	f.Decided = true
	if o, _ := Explain(model.StateAvailable, model.StageNone, f, p, now); strings.Contains(o.Note, "catching up") || o.Why != "" {
		t.Fatalf("met before: %+v", o)
	}
}
