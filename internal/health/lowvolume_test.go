package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/storetest"
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
	w := lowVolume(t)
	w.until(monday.Add(2*24*time.Hour+12*time.Hour), 15*time.Minute)
	w.noNames("Barnevern")
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

// TestLowVolumeLossResolvesOnRecovery: the unit of
// TestLowVolumeLossKeepsFiring, whose provider on Tuesday at 10:00
// delivers every letter it held and each one since: its stuck alert,
// fired on Monday, resolves once (within keep_firing_for and an
// evaluation) and fires no more.
func TestLowVolumeLossResolvesOnRecovery(t *testing.T) {
	t.Parallel()
	w := lowVolume(t)
	back := monday.Add(24*time.Hour + 3*time.Hour)
	w.until(back, 15*time.Minute)
	for i := range w.plan {
		w.plan[i].lost = false
	}
	w.until(monday.Add(2*24*time.Hour+12*time.Hour), 15*time.Minute)
	w.noNames("Barnevern")
	fired, resolved := w.alerts(" stuck ")
	if len(fired) != 1 || !strings.HasPrefix(fired[0], "Mon ") {
		t.Errorf("want one stuck alert, fired Monday: %v", fired)
	}
	if len(resolved) != 1 || !strings.HasPrefix(resolved[0], "Tue 10:") {
		t.Errorf("want the alert resolved once on Tuesday by 10:30: %v", resolved)
	}
}

// TestLowVolumeNeverReachedOneAlert: a unit that sends three letters a
// day whose letters never reach the channel (registered in postvakt; the
// channel, asked an hour on, does not know them), while another unit's
// letters reach it all day. Its unit_delivery_drop fires once, on the
// first day, and keeps firing over the next days: one alert, not one a
// day.
func TestLowVolumeNeverReachedOneAlert(t *testing.T) {
	t.Parallel()
	w := lowVolume(t)
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

// lowVolume is the world of the low-volume tests from monday: 40 days of
// history, then for three days Skoleetaten's letters every 20 minutes over
// the day's first 8 hours, none lost, and Barnevern's three a day (1, 4
// and 7 hours in), each lost.
func lowVolume(t *testing.T) *wk {
	w := newWk(t, monday)
	w.history(40)
	for d := range 3 {
		day := monday.Add(time.Duration(d) * 24 * time.Hour)
		w.send("Skoleetaten", day, day.Add(8*time.Hour), 20*time.Minute, func(int) bool { return false })
		w.send("Barnevern", day.Add(time.Hour), day.Add(7*time.Hour), 3*time.Hour, func(int) bool { return true })
	}
	return w
}

// noNames fails when an alert mail or webhook message sent so far names
// the unit or carries a letter's title.
func (w *wk) noNames(unit string) {
	w.t.Helper()
	for _, m := range w.mp.Messages(w.t) {
		if strings.Contains(m.Raw, "HEMMELIG") || strings.Contains(m.Raw, unit) {
			w.t.Errorf("a title or the unit's name in an alert mail: %s", m.Subject)
		}
	}
	for _, h := range w.hook.take() {
		if strings.Contains(h.Body, "HEMMELIG") || strings.Contains(h.Body, unit) {
			w.t.Errorf("a title or the unit's name in a webhook message: %s", h.Body)
		}
	}
}
