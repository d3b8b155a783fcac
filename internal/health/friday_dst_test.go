package health_test

import (
	"strings"
	"testing"
	"time"
)

// TestFridayEveningLossOverClockChange: from Friday 17:00 Oslo time the
// provider accepts every letter and delivers none ("accepted" at every
// poll, for ever), over the weekend the clocks go back (25 October 2026).
// A few letters are sent Friday evening, none over the weekend, the
// usual ones on Monday morning. The unit's stuck alert fires on Friday
// evening, within a few hours, and is one alert until Monday: not
// resolved over the weekend. No mail names a title or the unit.
func TestFridayEveningLossOverClockChange(t *testing.T) {
	t.Parallel()
	fri := time.Date(2026, 10, 23, 7, 0, 0, 0, time.UTC) // 09:00 in Oslo (summer time)
	mon := time.Date(2026, 10, 26, 7, 0, 0, 0, time.UTC) // 08:00 in Oslo (winter time)
	w := newWk(t, fri)
	w.history(40)
	w.send("Sosialtjenesten", fri.Add(time.Hour), fri.Add(8*time.Hour), 30*time.Minute, func(int) bool { return false })
	w.send("Sosialtjenesten", fri.Add(8*time.Hour), fri.Add(11*time.Hour), 30*time.Minute, func(int) bool { return true })
	w.send("Sosialtjenesten", mon, mon.Add(4*time.Hour), 20*time.Minute, func(int) bool { return true })
	w.until(mon.Add(5*time.Hour), 15*time.Minute)
	for _, m := range w.mp.Messages(t) {
		if strings.Contains(m.Raw, "HEMMELIG") || strings.Contains(m.Raw, "Sosialtjenesten") {
			t.Errorf("a title or the unit's name in an alert mail: %s", m.Subject)
		}
	}
	var stuck []string
	for _, f := range w.fired {
		if strings.Contains(f, " stuck ") {
			stuck = append(stuck, f)
		}
	}
	if len(stuck) != 1 || !strings.HasPrefix(stuck[0], "Fri ") {
		t.Errorf("want one stuck alert from Friday evening, got %v (all: %v)", stuck, w.fired)
	}
	for _, r := range w.resolvd {
		if strings.Contains(r, " stuck ") {
			t.Errorf("the stuck alert resolved while none of its letters was delivered: %v", w.resolvd)
			break
		}
	}
}
