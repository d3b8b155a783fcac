package printing_test

import (
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestPollStaleAnswerPollsLater: a status answer older than the order's
// state (the provider says received of an order postvakt holds printed: a
// replica of the provider lagging behind) leaves the state as it is, and
// still says the provider knows the order: it is polled again after the
// usual interval, its failures and not-found window cleared, not claimed
// again at every lease's end (before: due_at stayed in the past, so every
// print run asked again).
func TestPollStaleAnswerPollsLater(t *testing.T) {
	w := newLostWorld(t, 1) // the provider holds it received
	db := w.st.DB()
	db.MustExec(`UPDATE print_orders SET state = $2, poll_failures = 3, not_found_since = $3 WHERE shipment_id = $1`,
		w.ids[0], store.PrintStatePrinted, w.t0)
	at := w.t0.Add(2 * time.Hour)
	if errs := w.poll(at); len(errs) != 0 {
		t.Fatalf("poll: %v", errs)
	}
	var r struct {
		State    string     `db:"state"`
		Due      *time.Time `db:"due_at"`
		Failures int        `db:"poll_failures"`
		NotFound *time.Time `db:"not_found_since"`
	}
	if err := db.Get(&r, `SELECT state, due_at, poll_failures, not_found_since FROM print_orders WHERE shipment_id = $1`, w.ids[0]); err != nil {
		t.Fatal(err)
	}
	if r.State != store.PrintStatePrinted {
		t.Errorf("state %s after a stale answer, want %s kept", r.State, store.PrintStatePrinted)
	}
	if r.Due == nil || !r.Due.After(at.Add(30*time.Minute)) {
		t.Errorf("next poll at %v after a stale answer at %v: want the usual interval later", r.Due, at)
	}
	if r.Failures != 0 || r.NotFound != nil {
		t.Errorf("poll_failures %d, not_found_since %v after an answer that knows the order: want 0, none", r.Failures, r.NotFound)
	}
}
