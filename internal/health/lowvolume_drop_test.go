package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestLowVolumeNeverReachedOneAlert: a unit that sends three letters a
// day whose letters never reach the channel (registered in postvakt; the
// channel, asked an hour on, does not know them), while another unit's
// letters reach it all day. Its unit_delivery_drop fires once, on the
// first day, and keeps firing over the next days: one alert, not one a
// day.
func TestLowVolumeNeverReachedOneAlert(t *testing.T) {
	t.Parallel()
	w := newWk(t, monday)
	w.history(40)
	for d := range 3 {
		day := monday.Add(time.Duration(d) * 24 * time.Hour)
		w.send("Skoleetaten", day, day.Add(8*time.Hour), 20*time.Minute, func(int) bool { return false })
		w.send("Barnevern", day.Add(time.Hour), day.Add(7*time.Hour), 3*time.Hour, func(int) bool { return true })
	}
	for i := range w.plan {
		if w.plan[i].unit == "Barnevern" {
			w.plan[i].mute = true
		}
	}
	end := monday.Add(2*24*time.Hour + 12*time.Hour)
	for w.now.Before(end) {
		w.tick(15 * time.Minute)
		// the poller asks about each letter an hour after it was sent,
		// and SvarUt does not know it
		for _, p := range w.plan {
			if p.mute && p.id != "" && p.at.Add(time.Hour).Equal(w.now) {
				storetest.Set(t, w.st, []string{p.id}, storetest.UnknownToChannelSince(w.now))
			}
		}
	}
	w.noNames("Barnevern")
	var fired []string
	for _, f := range w.fired {
		if strings.Contains(f, "Barnevern") && strings.Contains(f, "muted=false") {
			fired = append(fired, f)
		}
	}
	if len(fired) != 1 || !strings.Contains(fired[0], "unit_delivery_drop") || !strings.HasPrefix(fired[0], "Mon ") {
		t.Errorf("want one unit_delivery_drop for Barnevern on Monday, got %v", fired)
	}
	for _, r := range w.resolvd {
		if strings.Contains(r, "Barnevern") {
			t.Errorf("an alert of the unit resolved while none of its letters reached the channel: %v", w.resolvd)
			break
		}
	}
}
