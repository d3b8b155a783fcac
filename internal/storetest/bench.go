package storetest

import (
	"os"
	"slices"
	"testing"
	"time"

	"postvakt/internal/store"
)

// Bench returns a store on the large database POSTVAKT_BENCH_URL names
// (e.g. the 1,000,000 letters `make bench` imports), closed when the
// benchmark ends. It skips the benchmark when the variable is not set, so
// `go test` does not run it.
func Bench(b *testing.B) *store.Store {
	b.Helper()
	url := os.Getenv("POSTVAKT_BENCH_URL")
	if url == "" {
		b.Skip("POSTVAKT_BENCH_URL is not set")
	}
	return OpenURL(b, url)
}

// P95 runs fn b.N times and reports the 95th percentile of its times in
// milliseconds (the metric p95_ms).
func P95(b *testing.B, fn func() error) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95_ms")
}
