package escalate

import (
	"strings"
	"testing"
)

// An organisation whose letters another transaction held (a poll writing
// them) is left for the next run: the run's summary said so, its log line
// (escalation run done) did not, so operations reading it saw fewer
// reminders sent and no why. It says busy=N.
func TestRunDoneLineCountsOrganisationsLeftBusy(t *testing.T) {
	h := newHarness(t)
	orgs := h.orgsWithLetters(2)
	tx, err := h.st.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// A poll writing the first organisation's letter holds it.
	if _, err := tx.Exec(`SELECT s.id FROM shipments s JOIN recipients r ON r.id = s.recipient_id WHERE r.ident = $1 FOR UPDATE`, orgs[0]); err != nil {
		t.Fatal(err)
	}
	sum := h.run(due1)
	if sum.Busy != 1 || sum.Orgs != 1 {
		t.Fatalf("run with one organisation's letter held: %s; want 1 sent, 1 busy", sum)
	}
	if line := h.runDoneLine(); !strings.Contains(line, "busy=1") {
		t.Errorf("the run's summary line does not count the organisation left for the next run:\n%s", line)
	}
}
