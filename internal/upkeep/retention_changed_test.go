package upkeep

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// changingStore changes a letter between the purge's listing of the
// letters due and its purge of them: what a compliance officer, the
// escalation or a poll commits while the nightly job runs.
type changingStore struct {
	*store.Store
	change func() error
	done   bool
}

func (c *changingStore) RetentionCandidates(ctx context.Context, before time.Time, afterID string, limit int) ([]store.RetentionCandidate, error) {
	got, err := c.Store.RetentionCandidates(ctx, before, afterID, limit)
	if err == nil && len(got) > 0 && !c.done {
		c.done = true
		err = c.change()
	}
	return got, err
}

// README Retention: a letter's last change is the sending, the channel's
// last state change, or the last thing postvakt or a person did about it.
// A change committed after the purge listed the letter, before it purged
// it, keeps the letter and its trail: the purge reads the last change again
// once the letter is locked, and counts it as kept (Changed).
func TestRetentionKeepsALetterChangedWhileThePurgeRuns(t *testing.T) {
	sent := time.Date(2019, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		change func(st *store.Store, id string) error
		trail  string // a source the letter's events keep
	}{
		{"follow-up decision", func(st *store.Store, id string) error {
			return st.RecordFollowUp(context.Background(), store.FollowUpDecision{ShipmentID: id, Decision: store.DecisionAssessed,
				Note: "NOTAT-NY-BESLUTNING", Actor: "user:ola", At: now.Add(-time.Second), Deadline: now.AddDate(0, 0, 10)})
		}, store.SourceUser},
		{"state change", func(st *store.Store, id string) error {
			storetest.Set(t, st, []string{id}, storetest.State(model.StateOpened), storetest.StateChangedAt(now.Add(-time.Minute)))
			return nil
		}, store.SourceImport},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			id := register(t, st, letter{"taushetsbelagt", "org", firma, "TITTEL-ENDRET", sent})[0]
			cs := &changingStore{Store: st, change: func() error { return tc.change(st, id) }}
			u := &Upkeep{Store: cs, Log: slog.New(slog.DiscardHandler), RetentionYears: 5}
			p, err := u.Purge(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			if !cs.done {
				t.Fatal("the letter was not listed: nothing tested")
			}
			var purged bool
			var trail int
			if err := st.DB().Get(&purged, `SELECT purged_at IS NOT NULL FROM shipments WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if err := st.DB().Get(&trail, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1 AND source = $2`, id, tc.trail); err != nil {
				t.Fatal(err)
			}
			if purged || trail == 0 || p.Shipments != 0 || p.Changed != 1 {
				t.Errorf("a letter changed while the purge ran: purged %v, %s events left %d, counts %+v; want kept, counted Changed",
					purged, tc.trail, trail, p.ShipmentPurge)
			}
			// Due again once the change is old.
			if p, err := u.Purge(ctx, now.AddDate(5, 0, 1)); err != nil || p.Shipments != 1 {
				t.Errorf("five years after the change: %+v %v, want the letter purged", p.ShipmentPurge, err)
			}
		})
	}
}
