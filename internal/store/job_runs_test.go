package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// StartJobRun records a job's start unless one from since to until is
// recorded; each job has its own. One recorded after until (a clock that
// was far ahead) is replaced.
func TestStartJobRun(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, step := range []struct {
		what             string
		name             string
		at, since, until time.Time
		want             bool
	}{
		{"the first start", "health", t0, t0, t0.Add(time.Minute), true},
		{"recorded at since: ran this interval", "health", t0.Add(20 * time.Second), t0, t0.Add(time.Minute), false},
		{"recorded after since", "health", t0.Add(20 * time.Second), t0.Add(-time.Second), t0.Add(time.Minute), false},
		{"another job", "print", t0.Add(20 * time.Second), t0.Add(time.Second), t0.Add(time.Minute), true},
		{"recorded before since: the next interval", "health", t0.Add(30 * time.Second), t0.Add(time.Microsecond), t0.Add(time.Minute), true},
		{"the skipped start was not recorded", "health", t0.Add(40 * time.Second), t0.Add(30 * time.Second), t0.Add(time.Minute), false},
		{"the later start was", "health", t0.Add(60 * time.Second), t0.Add(31 * time.Second), t0.Add(2 * time.Minute), true},
		{"recorded at until: ran this interval", "health", t0.Add(50 * time.Second), t0, t0.Add(60 * time.Second), false},
		{"a clock a day ahead records a start", "escalate", t0.Add(day), t0.Add(day - time.Minute), t0.Add(day + time.Minute), true},
		{"its start is after until: replaced", "escalate", t0, t0.Add(-time.Minute), t0.Add(time.Minute), true},
		{"and the replacement counts", "escalate", t0.Add(time.Second), t0.Add(-time.Minute), t0.Add(time.Minute), false},
	} {
		got, err := st.StartJobRun(ctx, step.name, step.at, step.since, step.until)
		if err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		if got != step.want {
			t.Errorf("%s: started %v, want %v", step.what, got, step.want)
		}
	}
}
