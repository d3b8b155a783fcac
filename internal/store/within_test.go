package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestWithin: a call that answers gives its answer; one that does not
// (a database that hangs, which no context's end interrupts) gives the
// deadline's error after the bound, not when it returns.
func TestWithin(t *testing.T) {
	refused := errors.New("refused")
	for _, tc := range []struct {
		name    string
		fn      func(ctx context.Context) (int, error)
		want    int
		wantErr error
	}{
		{"answers", func(context.Context) (int, error) { return 7, nil }, 7, nil},
		{"fails", func(context.Context) (int, error) { return 0, refused }, 0, refused},
		{"ends with its context", func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }, 0, context.DeadlineExceeded},
		{"hangs past its context", func(context.Context) (int, error) { time.Sleep(5 * time.Second); return 1, nil }, 0, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got, err := store.Within(context.Background(), 100*time.Millisecond, tc.fn)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("returned after %s; want within the 100 ms bound", took)
			}
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("Within = %d, %v; want %d, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestWithinPanics: a panic in the call (a driver or a reader meeting
// what it did not expect) is its error, with the panic and where it
// happened, not the end of the process: Within runs it in a goroutine of
// its own, where no caller's recover (net/http's, a job's) reaches.
func TestWithinPanics(t *testing.T) {
	got, err := store.Within(context.Background(), time.Second, func(context.Context) (int, error) {
		var m map[string]int
		m["answer"]++ // assignment to entry in nil map
		return 1, nil
	})
	var p *store.PanicError
	if got != 0 || !errors.As(err, &p) {
		t.Fatalf("Within = %d, %v; want 0 and a *store.PanicError", got, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "assignment to entry in nil map") || !strings.Contains(msg, "within_test.go") {
		t.Errorf("error %q: want the panic and its stack", msg)
	}
}
