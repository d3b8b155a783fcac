package escalate

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/model"
	"postvakt/internal/policy"
)

// `policy explain` prints a letter's steps in its policy's calendar zone
// (Oslo or Copenhagen), and its note's times must be on the same clock. A
// policy without a send window (the shipped dk-digital-post-borger, every
// demo policy) told the note's times in UTC, unmarked: "by 2026-11-24
// 08:00 at the latest" above steps in Copenhagen time, an hour (in summer
// two) before the moment meant.
func TestExplainNoteTellsTimesOnTheCalendarsClock(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	borger, _ := set.Get("dk-digital-post-borger")
	no, _ := calendar.Get("NO")
	noWindow := &policy.Policy{Name: "nowindow", Calendar: no,
		Reminders: policy.Reminders{FirstAfter: 1, RepeatEvery: 2, Max: 2},
		Print:     policy.Print{Enabled: true, After: 5}, CatchUp: policy.DefaultCatchUp}
	cph := borger.Calendar.Location()
	old := time.Date(2025, 1, 6, 10, 0, 0, 0, oslo)
	for _, tc := range []struct {
		name string
		p    *policy.Policy
		f    Facts
		now  time.Time
		why  string // a step due at once waits as the usual schedule (why "")
		want string
	}{
		{"first answer, winter", borger, Facts{Since: old, Unasked: true, Registered: time.Date(2026, 11, 23, 9, 0, 0, 0, cph)},
			time.Date(2026, 11, 23, 10, 0, 0, 0, cph), "", "by 2026-11-24 09:00 at the latest"},
		{"first answer, summer", borger, Facts{Since: old, Unasked: true, Registered: time.Date(2026, 6, 8, 9, 0, 0, 0, cph)},
			time.Date(2026, 6, 8, 10, 0, 0, 0, cph), "", "by 2026-06-09 09:00 at the latest"},
		{"catch-up", noWindow, Facts{Since: old, CatchUpSince: time.Date(2026, 11, 23, 9, 0, 0, 0, oslo), Decided: true},
			time.Date(2026, 11, 23, 10, 0, 0, 0, oslo), WhyCatchUp, "first met it (2026-11-23 09:00)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Explain(model.StateAvailable, model.StageNone, tc.f, tc.p, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if o.Why != tc.why || !strings.Contains(o.Note, tc.want) {
				t.Errorf("why %q, note %q; want why %q and a note saying %q", o.Why, o.Note, tc.why, tc.want)
			}
		})
	}
}
