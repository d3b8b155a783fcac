package escalate

import (
	"testing"
	"time"

	"postvakt/internal/model"
)

// TestCatchUpPersonPrintsGraceAfterFirstMet: a person's letter back-filled
// past its print window (shipped policy default: catch_up one reminder,
// grace 5) and first met by a run outside the send window (Friday 20:00).
// A person gets no reminder, so its print is due grace business days after
// the escalation first met it (README, Catching up), Friday a week later at
// 20:00: a run a minute after that decides it. The stored next step was the
// send window's next opening plus the grace (Monday 08:00), and the print
// came with the first run after it.
func TestCatchUpPersonPrintsGraceAfterFirstMet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sent := time.Date(2026, 8, 3, 10, 0, 0, 0, oslo) // long before: past print.after 15
	ids, _ := h.register(ship{recipient: "01017012345", person: true, class: "brev", sent: sent})
	firstMet := time.Date(2026, 11, 13, 20, 0, 0, 0, oslo) // Friday 20:00, outside 08-16
	h.run(firstMet)
	printDue := time.Date(2026, 11, 20, 20, 0, 0, 0, oslo)
	for day := time.Date(2026, 11, 16, 8, 0, 0, 0, oslo); day.Before(printDue); day = day.AddDate(0, 0, 1) {
		h.run(day) // the window's openings in between: nothing to do
		var stage string
		if err := h.st.DB().QueryRow(`SELECT stage FROM shipments WHERE id = $1`, ids[0]).Scan(&stage); err != nil {
			t.Fatal(err)
		}
		if stage == string(model.StagePrintDue) {
			t.Fatalf("printed at %s, before the grace ended", day)
		}
	}
	h.run(printDue.Add(time.Minute))
	var stage string
	var next *time.Time
	if err := h.st.DB().QueryRow(`SELECT stage, next_step_at FROM shipments WHERE id = $1`, ids[0]).Scan(&stage, &next); err != nil {
		t.Fatal(err)
	}
	if stage != string(model.StagePrintDue) {
		t.Errorf("at %s (grace after first met): stage %s, next step at %v; want the print decided", printDue.Add(time.Minute), stage, next)
	}
}
