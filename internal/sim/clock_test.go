package sim

import (
	"testing"
	"time"
)

// A catch-up clock starts behind the real time, runs at its speed until it
// has caught up, and then keeps to the real time, never ahead of it; a
// plain speed clock runs ahead.
func TestCatchUpClock(t *testing.T) {
	origin := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	real := origin
	at := func(c *SpeedClock) *SpeedClock { c.origin, c.real = origin, func() time.Time { return real }; return c }
	c := at(NewCatchUpClock(720, 48*time.Hour))
	ahead := at(NewSpeedClock(720))
	for _, tc := range []struct {
		elapsed time.Duration
		want    time.Time
		speed   float64
	}{
		{0, origin.Add(-48 * time.Hour), 720},
		{time.Minute, origin.Add(-48*time.Hour + 12*time.Hour), 720},
		{4 * time.Minute, origin.Add(-48*time.Hour + 48*time.Hour), 720},              // 4 min × 720 = 48 h, still behind the real time by 4 min
		{4*time.Minute + 2*time.Second, origin.Add(4*time.Minute + 2*time.Second), 1}, // caught up: the real time
		{time.Hour, origin.Add(time.Hour), 1},
	} {
		real = origin.Add(tc.elapsed)
		if got := c.Now(); !got.Equal(tc.want) {
			t.Errorf("after %s: %s, want %s", tc.elapsed, got, tc.want)
		}
		if got := c.Speed(); got != tc.speed {
			t.Errorf("after %s: speed %v, want %v", tc.elapsed, got, tc.speed)
		}
		if c.Now().After(real) {
			t.Errorf("after %s: ahead of the real time", tc.elapsed)
		}
	}
	real = origin.Add(time.Hour)
	if !ahead.Now().Equal(origin.Add(720 * time.Hour)) {
		t.Errorf("a speed clock after an hour: %s", ahead.Now())
	}
}
