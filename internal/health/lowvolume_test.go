package health_test

import (
	"strings"
	"testing"
	"time"
)

// TestLowVolumeLossKeepsFiring: a unit that sends three letters a day
// (08:00, 11:00 and 14:00 UTC), every one accepted by the provider and
// never delivered ("accepted" at every poll, for ever), while another
// unit's letters are delivered all day as usual. Its stuck alert fires
// once its third letter is due, and keeps firing while none of its
// letters is delivered: not resolved each evening, once its latest lost
// letter is older than the stuck rule's window, and fired anew the next
// day with the next lost letter (a RESOLVED mail for letters still lost,
// then a new FIRING one, every day).
func TestLowVolumeLossKeepsFiring(t *testing.T) {
	t.Parallel()
	w := newWk(t, monday)
	w.history(40)
	for d := range 3 {
		day := monday.Add(time.Duration(d) * 24 * time.Hour)
		w.send("Skoleetaten", day, day.Add(8*time.Hour), 20*time.Minute, func(int) bool { return false })
		w.send("Barnevern", day.Add(time.Hour), day.Add(7*time.Hour), 3*time.Hour, func(int) bool { return true })
	}
	w.until(monday.Add(2*24*time.Hour+12*time.Hour), 15*time.Minute)
	var fired []string
	for _, f := range w.fired {
		if strings.Contains(f, " stuck ") && strings.Contains(f, "Barnevern") {
			fired = append(fired, f)
		}
	}
	if len(fired) != 1 {
		t.Errorf("the unit's stuck alert started firing %d times over one unchanged loss, want once: %v", len(fired), fired)
	}
	for _, r := range w.resolvd {
		if strings.Contains(r, " stuck ") {
			t.Errorf("the stuck alert resolved while none of its letters was delivered: %v", w.resolvd)
			break
		}
	}
}
