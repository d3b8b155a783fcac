package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestSvarUtHistoryBehindItsStatus: SvarUt's status-sok says LEST, and the
// hendelser fetched for that change end with an earlier event (SvarUt has
// not written the reading's event yet, as it had not written any for a
// letter's first change: an empty list). Kept, that history stood as the
// evidence of the reading, never asked for again; it is noted as missing
// and asked for at the next poll, whose history, reaching the reading, is
// kept. A history whose last event is the change's, written a moment
// before SvarUt's status time, is the change's history. So is one fetched
// for a SLETTET (files and metadata deleted for retention), which need
// not reach the deletion: it is what is left of the letter's history, a
// reading postvakt had not seen among it, and was never kept.
func TestSvarUtHistoryBehindItsStatus(t *testing.T) {
	now := t0
	sent := now.Add(-3 * time.Hour)
	st, ships, f, ch := revSetup(t, 3, sent)
	read := sent.Add(2 * time.Hour)
	entry := func(at time.Time, text string) string {
		return fmt.Sprintf(`{"tidspunkt":%q,"hendelse":%q}`, at.In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.000-07:00"), text)
	}
	accepted := entry(sent, "Akseptert for ekspedering")
	for i := range 2 {
		f.records[revID(i)] = []string{revRec(revID(i), "LEST", read)}
	}
	f.hist[revID(0)] = `{"hendelser":[` + accepted + `]}`
	f.hist[revID(1)] = `{"hendelser":[` + accepted + `,` + entry(read.Add(-2*time.Second), "Lest av mottaker") + `]}`
	f.records[revID(2)] = []string{revRec(revID(2), "SLETTET", read)}
	f.hist[revID(2)] = `{"hendelser":[` + accepted + `,` + entry(sent.Add(time.Hour), "Lest av mottaker") + `]}`
	cycle := func() {
		t.Helper()
		storetest.Set(t, st, []string{ships[0].ID, ships[1].ID, ships[2].ID}, storetest.NextPollAt(now.Add(-time.Second)))
		var buf bytes.Buffer
		if _, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch); err != nil {
			t.Fatalf("cycle: %v\n%s", err, buf.String())
		}
	}
	histories := func(i int) (kept []string, notes []string) {
		t.Helper()
		sh, err := st.Shipment(context.Background(), ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range sh.Events {
			switch e.Kind {
			case store.EventHistory:
				kept = append(kept, string(e.Payload))
			case store.EventPollError:
				notes = append(notes, e.Message)
			}
		}
		return kept, notes
	}
	cycle()
	if kept, notes := histories(2); len(kept) != 1 || len(notes) != 0 || !strings.Contains(kept[0], "Lest av mottaker") {
		t.Errorf("the history of a SLETTET: kept %q, notes %q; want it kept, no note", kept, notes)
	}
	for i := range 2 {
		if q := revRow(t, st, ships[i].ID); q.State != "opened" {
			t.Fatalf("letter %d: state %s after LEST, want opened", i, q.State)
		}
	}
	kept, notes := histories(0)
	if len(kept) != 0 || len(notes) != 1 || !strings.Contains(notes[0], "asked for at the next poll") {
		t.Errorf("a history ending before the reading: kept %q, notes %q; want none kept, one note that it is asked for again", kept, notes)
	}
	if q := revRow(t, st, ships[0].ID); !q.HistDue {
		t.Errorf("a history ending before the reading is not due any more: %+v", q)
	}
	if kept, notes := histories(1); len(kept) != 1 || len(notes) != 0 {
		t.Errorf("a history whose last event is the reading's: kept %q, notes %q; want it kept, no note", kept, notes)
	}

	now = now.Add(10 * time.Minute)
	f.mu.Lock()
	f.hist[revID(0)] = `{"hendelser":[` + accepted + `,` + entry(read, "Lest av mottaker") + `]}`
	f.mu.Unlock()
	cycle()
	if kept, _ := histories(0); len(kept) != 1 || !strings.Contains(kept[0], "Lest av mottaker") {
		t.Errorf("the history written since: kept %q, want the one with the reading", kept)
	}
	if q := revRow(t, st, ships[0].ID); q.HistDue {
		t.Errorf("the history is still due after it was kept: %+v", q)
	}
}
