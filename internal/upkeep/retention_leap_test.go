package upkeep

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/storetest"
)

// A retention of N years counts whole years, also from a 29 February: on
// the night of 29 February 2028 a one-year retention reaches back to
// 28 February 2027 (the last day of that February), not to 1 March 2027,
// which time.AddDate makes of 29 February 2027. A letter last changed
// early on 1 March 2027 is not a year old until 1 March 2028; purged on
// 29 February it lost its evidence a day before its time.
func TestRetentionCountsWholeYearsFromALeapDay(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		now        time.Time
		years      int
		changed    time.Time
		wantPurged bool
	}{
		{"one year, changed 1 March", time.Date(2028, 2, 29, 2, 30, 0, 0, loc), 1, time.Date(2027, 3, 1, 0, 30, 0, 0, loc), false},
		{"one year, changed 28 February", time.Date(2028, 2, 29, 2, 30, 0, 0, loc), 1, time.Date(2027, 2, 28, 2, 0, 0, 0, loc), true},
		{"five years, changed 1 March", time.Date(2028, 2, 29, 2, 30, 0, 0, loc), 5, time.Date(2023, 3, 1, 1, 0, 0, 0, loc), false},
		{"four years, changed 29 February", time.Date(2028, 2, 29, 2, 30, 0, 0, loc), 4, time.Date(2024, 2, 29, 2, 0, 0, 0, loc), true},
		{"one year, from 1 March", time.Date(2028, 3, 1, 2, 30, 0, 0, loc), 1, time.Date(2027, 3, 1, 0, 30, 0, 0, loc), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t)
			ids := register(t, st, letter{"taushetsbelagt", "org", firma, "TITTEL-SKUDDAR", tc.changed.Add(-time.Hour)})
			storetest.Set(t, st, ids, storetest.State(model.StateOpened), storetest.StateChangedAt(tc.changed))
			u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), RetentionYears: tc.years}
			if _, err := u.Purge(context.Background(), tc.now); err != nil {
				t.Fatal(err)
			}
			var purged bool
			if err := st.DB().Get(&purged, `SELECT purged_at IS NOT NULL FROM shipments WHERE id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			if purged != tc.wantPurged {
				t.Errorf("on %s with %d years' retention, a letter last changed %s: purged %v, want %v",
					tc.now.Format(time.DateTime), tc.years, tc.changed.Format(time.DateTime), purged, tc.wantPurged)
			}
		})
	}
}
