package upkeep

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
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
			// The audit log says why a letter past its retention is still
			// there, as the log does (kept_changed).
			if n := auditCount(t, st, "retention_purge_letters", "0 letters, %; letters kept: 0 print order not placed yet, 1 changed since listed, 0 being polled"); n != 1 {
				t.Errorf("%d retention_purge_letters entries counting the letter kept as changed, want 1", n)
			}
			// Due again once the change is old.
			if p, err := u.Purge(ctx, now.AddDate(5, 0, 1)); err != nil || p.Shipments != 1 {
				t.Errorf("five years after the change: %+v %v, want the letter purged", p.ShipmentPurge, err)
			}
		})
	}
}

// A letter never opened whose last change is older than its retention is
// purged like any other, and is polled no more: its evidence is gone, and
// a poll every 12 hours for ever would only add evidence about a letter
// whose evidence the rules deleted. A letter within its retention is still
// polled.
func TestPurgedOpenLetterIsPolledNoMore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	ids := register(t, st,
		letter{"taushetsbelagt", "org", firma, "GAMMEL", old},
		letter{"taushetsbelagt", "org", firma, "NY", now.AddDate(0, -1, 0)},
	)
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
	storetest.Set(t, st, ids[:1], storetest.StateChangedAt(old.Add(time.Hour)))
	storetest.Set(t, st, ids[1:], storetest.StateChangedAt(now.AddDate(0, -1, 0)))
	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), Policies: policytest.Shipped(t), RetentionYears: 5}
	p, err := u.Purge(ctx, now)
	if err != nil || p.Shipments != 1 {
		t.Fatalf("purge: %+v %v", p, err)
	}
	due, err := st.ClaimDue(ctx, "svarut", now.AddDate(1, 0, 0), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var claimed []string
	for _, d := range due {
		claimed = append(claimed, d.ID)
	}
	if len(claimed) != 1 || claimed[0] != ids[1] {
		t.Errorf("polled after the purge: %v; want only the letter within its retention, %s", claimed, ids[1])
	}
}

// TestPurgeKeepsALetterBeingPolled: a poll claimed before the retention
// purge writes its answer after the purge would have committed: its events
// (the channel's raw payload and history) would come back to a purged
// letter, and nothing would purge them again (purged_at is set). The purge
// keeps a letter being polled for the next night (kept_polling). (Found by
// an independent review.)
func TestPurgeKeepsALetterBeingPolled(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		state model.State
	}{
		{"opened meanwhile", model.StateOpened},
		{"status only", model.StateAvailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t)
			old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
			now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
			ids := register(t, st, letter{"taushetsbelagt", "org", firma, "GAMMEL", old})
			storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
			storetest.Set(t, st, ids, storetest.StateChangedAt(old.Add(time.Hour)))
			due, err := st.ClaimDue(ctx, "svarut", now.AddDate(1, 0, 0), 10, time.Minute)
			if err != nil || len(due) != 1 {
				t.Fatalf("claim: %v %v", due, err)
			}
			u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), Policies: policytest.Shipped(t), RetentionYears: 5}
			if p, err := u.Purge(ctx, now); err != nil || p.Shipments != 0 || p.Polling != 1 {
				t.Fatalf("purge: %+v %v; want the letter being polled kept", p, err)
			}
			if n := auditCount(t, st, "retention_purge_letters", "0 letters, %; letters kept: 0 print order not placed yet, 0 changed since listed, 1 being polled"); n != 1 {
				t.Errorf("%d retention_purge_letters entries counting the letter kept as being polled, want 1", n)
			}
			next := now.Add(12 * time.Hour)
			if _, err := st.ApplyPoll(ctx, []store.PollResult{{Due: due[0], Source: "svarut", ObservedAt: now.Add(time.Second),
				Status: "LEST", State: tc.state, Payload: []byte(`{"tittel":"Vedtak om barnevern","mottaker":"Ola Nordmann"}`),
				NextPollAt: &next}}); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := st.DB().Get(&n, `SELECT count(*) FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id
				WHERE s.purged_at IS NOT NULL`); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d events on a purged letter", n)
			}
			// Once its poll is written, the next night's purge takes it if
			// it is still due (unchanged: a status only), its evidence with it.
			p, err := u.Purge(ctx, now.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(map[bool]int{true: 1}[tc.state == model.StateAvailable]); p.Shipments != want {
				t.Errorf("the next night: %d purged, want %d", p.Shipments, want)
			}
		})
	}
}
