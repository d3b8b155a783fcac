package upkeep

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/storetest"
)

// The first purge after a back-fill of years (or after an upgrade) goes
// through hundreds of thousands of letters, a thousand a batch, and said
// nothing until it was done: an hour and more without a line, which an
// operator reads as a job hung, and stops. A run says how far it has come
// once a minute (by its clock), and a short run says nothing more than
// its counts at the end.
func TestRetentionSaysHowFarALongRunHasCome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	register(t, st,
		letter{"taushetsbelagt", "org", firma, "TITTEL-FREMDRIFT-1", old},
		letter{"taushetsbelagt", "org", firma, "TITTEL-FREMDRIFT-2", old},
		letter{"taushetsbelagt", "org", firma, "TITTEL-FREMDRIFT-3", old},
		letter{"taushetsbelagt", "org", firma, "TITTEL-FREMDRIFT-4", old})
	// Each batch takes 40 seconds by the run's clock.
	var mu sync.Mutex
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := now
		now = now.Add(40 * time.Second)
		return t
	}
	log, buf := logtest.New()
	u := &Upkeep{Store: st, Log: log, RetentionYears: 5, Now: clock, batch: 1}
	if err := u.Retention(ctx); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "retention purge under way") {
			lines = append(lines, l)
		}
	}
	// Batches done at 40, 80, 120 and 160 seconds: a line at 80 and at 160.
	if len(lines) != 2 || !strings.Contains(lines[0], "letters=2 ") || !strings.Contains(lines[1], "letters=4 ") {
		t.Errorf("progress lines of a run of four batches of 40 s each, want two (2 and 4 letters purged):\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "TITTEL-FREMDRIFT") {
		t.Errorf("the log names a title:\n%s", buf.String())
	}

	// A run whose clock stands still (a short run) says only its counts.
	st2 := storetest.Open(t)
	register(t, st2, letter{"taushetsbelagt", "org", firma, "TITTEL-KORT", old}, letter{"taushetsbelagt", "org", firma, "TITTEL-KORT-2", old})
	still := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	log2, buf2 := logtest.New()
	u2 := &Upkeep{Store: st2, Log: log2, RetentionYears: 5, Now: func() time.Time { return still }, batch: 1}
	if err := u2.Retention(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf2.String(), "under way") || !strings.Contains(buf2.String(), "retention purge") {
		t.Errorf("a short run's log:\n%s", buf2.String())
	}
}
