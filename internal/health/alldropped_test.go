package health_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestEverySenderLetterNeverReached: the only sender's system stops
// handing its letters to the channel on Monday at 10:00 (Copenhagen's
// 3,400 letters, with no other sender to compare with): each is
// registered in postvakt, and the channel, asked an hour on, does not know
// it; the channel meanwhile goes on reporting the openings of older
// letters. Some alert is told by 13:00, and it holds through the day.
func TestEverySenderLetterNeverReached(t *testing.T) {
	t.Parallel()
	w := newWk(t, monday)
	w.history(40)
	w.send("Skoleetaten", monday, monday.Add(3*time.Hour-time.Minute), 10*time.Minute, func(int) bool { return false })
	w.send("Skoleetaten", monday.Add(3*time.Hour), monday.Add(9*time.Hour), 10*time.Minute, func(int) bool { return true })
	for i := range w.plan {
		if !w.plan[i].at.Before(monday.Add(3 * time.Hour)) {
			w.plan[i].mute = true
		}
	}
	var toldAt time.Time
	end := monday.Add(10 * time.Hour)
	for w.now.Before(end) {
		// an older letter opened a minute ago: the channel is alive
		if err := w.st.RecordChannelCalls(t.Context(), store.ChannelCalls{Channel: "svarut", At: w.now.Add(5 * time.Minute),
			Calls: 1, Latency: 300 * time.Millisecond, Changes: 1, LastChange: w.now.Add(4 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		res := w.tick(5 * time.Minute)
		for _, p := range w.plan {
			if p.mute && p.id != "" && p.at.Add(time.Hour).Equal(w.now) {
				storetest.Set(t, w.st, []string{p.id}, storetest.UnknownToChannelSince(w.now))
			}
		}
		if toldAt.IsZero() {
			for _, a := range res.Firing {
				if !a.Inhibited {
					toldAt = w.now
				}
			}
		}
	}
	if toldAt.IsZero() || toldAt.After(monday.Add(6*time.Hour)) {
		t.Errorf("letters that never reached the channel since 10:00 were told at %v, want by 13:00: fired %v", toldAt, w.fired)
	}
	for _, r := range w.resolvd {
		if !strings.Contains(r, "channel_silent") {
			t.Errorf("resolved while the letters still do not reach the channel: %v", w.resolvd)
			break
		}
	}
}
