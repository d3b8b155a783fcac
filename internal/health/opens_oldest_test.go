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

// TestNeverOpeningEndsWithAnyOpening (from an independent review of the
// receiving businesses' side): a Bergen business had five
// confidential letters waiting, nobody had the access role. It gets the
// role and opens one letter. Is it still "nobody can read" (never_opening_org)?
// Opening any confidential letter proves someone there now has the role; the
// reminder that keeps saying "Ingen i virksomheten har åpnet ..." and telling
// them to get the role would then be wrong advice.
func TestNeverOpeningEndsWithAnyOpening(t *testing.T) {
	cfg := policy.DefaultHealth().NeverOpening // 3 letters within 365 d, at least 14 d old
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ages := []int{100, 90, 80, 70, 60} // days; index 0 is the oldest
	for _, tc := range []struct {
		name      string
		open      int  // index of the letter opened, -1 none
		ordinary  bool // the opened letter is not confidential
		wantAlert bool
	}{
		{"none opened", -1, false, true},
		{"opened the newest", 4, false, false},
		{"opened the middle", 2, false, false},
		{"opened the oldest (role granted, read oldest first)", 0, false, false},
		{"opened only an ordinary (non-confidential) letter", 0, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			var ids []string
			for i, d := range ages {
				l := storetest.Letter(i)
				l.SentAt = now.Add(-time.Duration(d) * 24 * time.Hour)
				if tc.ordinary && i == tc.open {
					l.Confidential, l.Class = false, "skatt"
				}
				ships := storetest.Register(t, st, l)
				storetest.Set(t, st, storetest.IDs(ships), storetest.State(model.StateAvailable), storetest.AvailableAt(l.SentAt.Add(time.Hour)))
				ids = append(ids, ships[0].ID)
			}
			if tc.open >= 0 {
				storetest.Set(t, st, ids[tc.open:tc.open+1], storetest.State(model.StateOpened))
			}
			orgs, err := st.NeverOpeningOrgs(ctx, now, cfg.Over, cfg.MinAge, cfg.Letters)
			if err != nil {
				t.Fatal(err)
			}
			cs := health.NeverOpening(cfg, health.Facts{Now: now, Orgs: orgs})
			if got := len(cs) == 1; got != tc.wantAlert {
				t.Errorf("never_opening_org fires = %v, want %v (facts %+v)", got, tc.wantAlert, orgs)
			}
		})
	}
}
