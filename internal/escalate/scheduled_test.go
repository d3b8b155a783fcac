package escalate

import (
	"slices"
	"testing"
	"time"

	"postvakt/internal/channel"
	_ "postvakt/internal/channel/digitalpost" // registers Digital Post's scheduled status
	"postvakt/internal/model"
	"postvakt/internal/storetest"
)

// TestDecideHeldForDelivery: a letter the channel holds for a later
// delivery has no step, however long ago it was sent, and is looked at
// again a day later; Explain says the same. Not held, the same letter is
// past its print window.
func TestDecideHeldForDelivery(t *testing.T) {
	t.Parallel()
	p, ok := shipped(t).Get("taushetsbelagt")
	if !ok {
		t.Fatal("no policy taushetsbelagt")
	}
	now := time.Date(2027, 1, 11, 12, 0, 0, 0, oslo)
	f := Facts{Since: monday, Scheduled: true}
	d, err := Decide(f, p, now)
	if err != nil || d.Due() || d.Never || !d.Next.Equal(now.Add(24*time.Hour)) || d.Reason != heldForDelivery+" (policy taushetsbelagt)" {
		t.Fatalf("held: %+v %v", d, err)
	}
	o, err := Explain(model.StateAccepted, model.StageNone, f, p, now)
	if err != nil || len(o.Steps) != 0 || o.Note != heldForDelivery || o.Why != WhyHeld {
		t.Fatalf("explain: %+v %v", o, err)
	}
	f.Scheduled = false
	if d, err := Decide(f, p, now); err != nil || !d.Due() {
		t.Fatalf("not held: %+v %v; want a step due", d, err)
	}
	// Held three months on: taken as waiting (its delivery may have come in
	// a gap of the log), its steps counted from its sending.
	f.Scheduled = true
	if d, err := Decide(f, p, monday.Add(channel.HeldAtMost+time.Hour)); err != nil || !d.Due() {
		t.Fatalf("held three months: %+v %v; want a step due", d, err)
	}
}

// A Danish letter Digital Post holds for a delivery the sender asked to be
// later gets no reminder while it waits, however long, though a letter
// sent with it is reminded; once it is in the mailbox, its reminder comes
// three business days after its delivery (dk-digital-post), not after its
// sending.
func TestRunHeldForLaterDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids, cids := h.twoOn("digitalpost")
	held := ids[0]
	storetest.Set(t, h.st, []string{held}, storetest.State(model.StateAccepted), storetest.NotAvailable(),
		storetest.ChannelStatus("DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY"))
	reminded := func(at time.Time) bool {
		t.Helper()
		h.run(at)
		for _, r := range h.take() {
			if slices.Contains(r.refs, cids[0]) {
				return true
			}
		}
		return false
	}
	// Thursday after: the other letter's reminder 1, not the held one's.
	thursday := time.Date(2026, 11, 19, 12, 0, 0, 0, oslo)
	if sum := h.run(thursday); sum.Reminders != 1 {
		t.Fatalf("at the first reminder: %+v; want the letter not held reminded", sum)
	}
	if got := h.take(); len(got) != 1 || !slices.Equal(got[0].refs, cids[1:2]) {
		t.Fatalf("reminders %+v; want %s only", got, cids[1])
	}
	// Eight weeks on, still held: nothing, no step recorded.
	later := time.Date(2027, 1, 11, 12, 0, 0, 0, oslo)
	if reminded(later) {
		t.Fatal("a held letter reminded eight weeks on")
	}
	var step string
	var stage model.Stage
	if err := h.st.DB().QueryRow(`SELECT escalation_step, stage FROM shipments WHERE id = $1`, held).Scan(&step, &stage); err != nil ||
		step != "" || stage != model.StageNone {
		t.Fatalf("held letter: step %q stage %s %v", step, stage, err)
	}
	// Delivered at last: its reminder three business days later.
	storetest.Set(t, h.st, []string{held}, storetest.State(model.StateAvailable), storetest.AvailableAt(later),
		storetest.ChannelStatus("MEMO_AVAILABLE_TO_RECIPIENT"))
	if reminded(later.Add(25 * time.Hour)) {
		t.Fatal("reminded one business day after its delivery")
	}
	if !reminded(time.Date(2027, 1, 14, 13, 0, 0, 0, oslo)) {
		t.Fatal("not reminded three business days after its delivery")
	}
}

// An Altinn letter the sender asked to be published two weeks after its
// sending (held_until, the poll's reading of requestedPublishTime) is
// neither reminded nor printed on its sending's schedule, though a letter
// sent with it is; still unopened, its reminder comes on the schedule
// counted from its publication.
func TestRunHeldForPublication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids, cids := h.twoOn("altinn")
	publish := time.Date(2026, 11, 30, 10, 0, 0, 0, oslo) // two weeks after Monday 16th
	storetest.Set(t, h.st, ids[:1], storetest.State(model.StateAccepted), storetest.NotAvailable(),
		storetest.ChannelStatus("ReadyForPublish"), storetest.HeldUntil(publish))
	reminded := func(at time.Time) (held, other bool) {
		t.Helper()
		h.run(at)
		for _, r := range h.take() {
			held = held || slices.Contains(r.refs, cids[0])
			other = other || slices.Contains(r.refs, cids[1])
		}
		return held, other
	}
	if held, other := reminded(due1); held || !other {
		t.Fatalf("at the first reminder: held letter reminded %v, the other %v; want the other only", held, other)
	}
	if held, _ := reminded(printDay); held {
		t.Fatal("the held letter reminded on its sending's print day")
	}
	var stage model.Stage
	if err := h.st.DB().QueryRow(`SELECT stage FROM shipments WHERE id = $1`, ids[0]).Scan(&stage); err != nil || stage != model.StageNone {
		t.Fatalf("held letter on its sending's print day: stage %s %v; want none", stage, err)
	}
	// Two business days after its publication, as due1 after Monday.
	if held, _ := reminded(time.Date(2026, 12, 2, 11, 0, 0, 0, oslo)); !held {
		t.Fatal("the held letter not reminded two business days after its publication")
	}
}
