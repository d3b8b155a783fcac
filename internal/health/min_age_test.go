package health_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/storetest"
)

// TestNeverOpeningMinAgeInclusive: never_opening_org counts a letter
// exactly min_age old, as the other rules and the lists' min_age do (a
// letter exactly N×24 h old is N days old), and not one a microsecond
// younger; the alert's selector names exactly the letters it counted.
func TestNeverOpeningMinAgeInclusive(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	cfg := policy.DefaultHealth().NeverOpening // 3 letters within 365 days, at least 14 days old
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	sent := []time.Time{now.Add(-30 * 24 * time.Hour), now.Add(-20 * 24 * time.Hour), now.Add(-cfg.MinAge),
		now.Add(-cfg.MinAge + time.Microsecond)}
	for i, at := range sent {
		l := storetest.Letter(i)
		l.SentAt = at
		ships := storetest.Register(t, st, l)
		storetest.Set(t, st, storetest.IDs(ships), storetest.State(model.StateAvailable), storetest.AvailableAt(at.Add(time.Minute)))
	}
	orgs, err := st.NeverOpeningOrgs(ctx, now, cfg.Over, cfg.MinAge, cfg.Letters)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || orgs[0].Unopened != 3 {
		t.Fatalf("never-opening organisations: %+v, want 974760673 with 3 letters (the one exactly %s old among them)", orgs, cfg.MinAge)
	}
	cs := health.NeverOpening(cfg, health.Facts{Now: now, Orgs: orgs})
	if len(cs) != 1 {
		t.Fatalf("conditions: %+v, want one", cs)
	}
	n, err := st.CountIncident(ctx, cs[0].Selector)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || cs[0].Affected != 3 {
		t.Errorf("the alert counts %d letters, its selector names %d, want 3 both", cs[0].Affected, n)
	}
}
