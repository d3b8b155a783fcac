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
