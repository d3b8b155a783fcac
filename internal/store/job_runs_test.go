package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// StartJobRun records a job's start unless one at or after since is
// recorded; each job has its own.
func TestStartJobRun(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		what      string
		name      string
		at, since time.Time
		want      bool
	}{
		{"the first start", "health", t0, t0, true},
		{"recorded at since: ran this interval", "health", t0.Add(20 * time.Second), t0, false},
		{"recorded after since", "health", t0.Add(20 * time.Second), t0.Add(-time.Second), false},
		{"another job", "print", t0.Add(20 * time.Second), t0.Add(time.Second), true},
		{"recorded before since: the next interval", "health", t0.Add(30 * time.Second), t0.Add(time.Microsecond), true},
		{"the skipped start was not recorded", "health", t0.Add(40 * time.Second), t0.Add(30 * time.Second), false},
		{"the later start was", "health", t0.Add(60 * time.Second), t0.Add(31 * time.Second), true},
	} {
		got, err := st.StartJobRun(ctx, step.name, step.at, step.since)
		if err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		if got != step.want {
			t.Errorf("%s: started %v, want %v", step.what, got, step.want)
		}
	}
}
