package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// onFirstWrite runs do once, at the first bytes written through it: the
// export has read its first page then, and writes it.
type onFirstWrite struct {
	w    io.Writer
	do   func()
	done bool
}

func (o *onFirstWrite) Write(p []byte) (int, error) {
	if !o.done {
		o.done = true
		o.do()
	}
	return o.w.Write(p)
}

// The follow-ups' export is read a page at a time (by deadline), and
// follow-ups change while it is written: an incident's follow-ups recorded
// again set the deadline of every undecided one. Page by page, a follow-up
// the first page held whose deadline moved past the page came again on a
// later one: listed twice in the file a compliance officer hands on (one
// moved the other way went missing). The export reads every page as of one
// moment, as the incident report does.
func TestFollowUpsExportReadAsOfOneMoment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	const n = 1005 // two pages of the export's 1,000
	letters := storetest.Letters(n)
	ids := storetest.IDs(storetest.Register(t, st, letters...))
	storetest.Set(t, st, ids, storetest.State(model.StateRejected))
	deadline := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if got, err := st.OpenFollowUps(ctx, deadline, deadline); err != nil || got != n {
		t.Fatalf("opened %d follow-ups (%v), want %d", got, err, n)
	}
	var first string
	if err := st.DB().Get(&first, `SELECT shipment_id FROM followups ORDER BY deadline, shipment_id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := &onFirstWrite{w: &buf, do: func() {
		// The first page is read and being written: the first follow-up's
		// deadline moves past every other's (an incident recorded again).
		if _, err := st.DB().Exec(`UPDATE followups SET deadline = $2 WHERE shipment_id = $1`, first, deadline.AddDate(0, 0, 10)); err != nil {
			t.Error(err)
		}
	}}
	got, err := FollowUps(ctx, st, store.Scope{}, true, CSV, w, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !w.done {
		t.Fatal("nothing written")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows[1:] {
		seen[r[0]]++
	}
	if got != n || len(rows)-1 != n || len(seen) != n {
		t.Errorf("export wrote %d rows (%d in the file, %d letters), want each of the %d follow-ups once", got, len(rows)-1, len(seen), n)
	}
	if seen[first] != 1 {
		t.Errorf("the follow-up whose deadline moved is in the file %d times, want once", seen[first])
	}
}
