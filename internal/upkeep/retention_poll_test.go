package upkeep

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
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
