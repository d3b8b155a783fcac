package poll_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestSvarUtPrintDatedInTheFuture: SvarUt says it printed a letter
// (SENDT_PRINT) or an administrator closed it (MANUELT_HANDTERT), dated
// ahead of the poll by more than clocks drift (a server's clock, a zone
// read wrong). The status ends the letter's escalation, taken at the poll's
// time; refused as dated in the future at every poll, postvakt reminded and
// printed a letter SvarUt had printed. A LEST so dated stays refused (its
// time is what it proves).
func TestSvarUtPrintDatedInTheFuture(t *testing.T) {
	now := t0
	st, ships, f, ch := revSetup(t, 3, now.Add(-3*time.Hour))
	ahead := now.Add(3 * time.Hour)
	f.records[revID(0)] = []string{revRec(revID(0), "SENDT_PRINT", ahead)}
	f.records[revID(1)] = []string{revRec(revID(1), "MANUELT_HANDTERT", ahead)}
	f.records[revID(2)] = []string{revRec(revID(2), "LEST", ahead)}
	storetest.Set(t, st, []string{ships[0].ID, ships[1].ID, ships[2].ID}, storetest.NextPollAt(now.Add(-time.Second)))
	var buf bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch); err != nil {
		t.Fatalf("cycle: %v\n%s", err, buf.String())
	}
	for i, want := range []string{"channel_print", "closed"} {
		if q := revRow(t, st, ships[i].ID); q.Stage != want {
			t.Errorf("letter %d: stage %s, state %s after %s dated ahead, want stage %s\n%s", i, q.Stage, q.State, q.Status, want, buf.String())
		}
	}
	var notes int
	if err := st.DB().Get(&notes, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1 AND message LIKE '%in the future; the status ends escalation: taken at its poll''s time'`, ships[0].ID); err != nil || notes != 1 {
		t.Errorf("%d events say the print was taken at the poll's time (%v), want 1", notes, err)
	}
	if q := revRow(t, st, ships[2].ID); q.State == "opened" {
		t.Errorf("a reading dated ahead was applied: %+v", q)
	}
}
