package escalate

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/storetest"
)

// A back-fill of an organisation's letters is answered about by its
// channel over several poll cycles: the letters answered first must not
// each bring their own catch-up reminder, one run after the other, while
// the organisation's other letters still wait for their first answer. The
// organisation's catch-up reminder waits for them (a day at most, as they
// do), then lists every letter in one message.
func TestBackfillAnsweredInPartsIsOneCatchUpReminder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tuesday := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo) // inside the send window
	sent := time.Date(2026, 9, 1, 10, 0, 0, 0, oslo)
	var ships []ship
	for range 3 {
		ships = append(ships, ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: sent, unpolled: true})
	}
	ships = append(ships, ship{recipient: firmaB, class: "taushetsbelagt", conf: true, sent: sent, unpolled: true})
	ids, channelIDs := h.register(ships...)
	storetest.Set(t, h.st, ids, storetest.RegisteredAt(tuesday.Add(-10*time.Minute)))
	h.contacts(firmaA, firmaB)
	answer := func(ids ...string) {
		storetest.Set(t, h.st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("LEVERT"), storetest.AvailableAfterSent(time.Hour))
	}
	if sum := h.run(tuesday); sum.Reminders != 0 || sum.Unasked != 4 {
		t.Fatalf("before the first poll: %s (unasked %d); want nothing sent, four letters waiting", sum, sum.Unasked)
	}
	// The first poll cycle answers one of firmaA's letters, and firmaB's
	// only one.
	answer(ids[0], ids[3])
	sum := h.run(tuesday.Add(15 * time.Minute))
	if sum.Siblings != 1 || !strings.Contains(sum.String(), "1 catch-up reminders wait for their organisation's letters not yet answered about") {
		t.Errorf("summary %q (siblings %d) does not say firmaA's catch-up reminder waits", sum, sum.Siblings)
	}
	for _, st := range sum.Steps {
		if st.Step == "catch-up reminder 1" && st.Shipments == 1 && !st.Siblings && !st.Waiting {
			continue // firmaB's, sent
		}
		if st.Step != "catch-up reminder 1" || st.Shipments != 1 || !st.Siblings {
			t.Errorf("step %+v; want firmaA's catch-up reminder counted as waiting for its organisation's letters", st)
		}
	}
	if len(sum.Steps) != 2 {
		t.Errorf("steps %+v; want firmaB's catch-up reminder sent, firmaA's waiting", sum.Steps)
	}
	got := h.take()
	if len(got) != 1 || got[0].org != firmaB {
		t.Fatalf("one of firmaA's three letters answered: messages %v; want firmaB's catch-up reminder alone, firmaA's waiting for its other letters", got)
	}
	// A run that comes before the one after a quarter of an hour (a
	// schedule of every 5 minutes, or a scheduler's tick a moment early)
	// holds it too.
	h.run(tuesday.Add(29 * time.Minute))
	if got := h.take(); len(got) != 0 {
		t.Fatalf("a run 14 minutes later, firmaA's other letters still not answered about: messages %v; want none", got)
	}
	// The next cycle answers the rest: one message lists all three.
	answer(ids[1], ids[2])
	h.run(tuesday.Add(30 * time.Minute))
	got = h.take()
	if len(got) != 1 || got[0].org != firmaA || len(got[0].refs) != 3 {
		t.Fatalf("every letter answered: messages %+v; want one catch-up reminder to firmaA listing its three letters %v", got, channelIDs[:3])
	}
	h.checkLogs()
}
