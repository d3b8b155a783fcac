package storetest

import (
	"testing"
	"time"

	"postvakt/internal/store"
)

// WaitLocked waits (at most 15 seconds) until n backends of the test's
// database wait for a lock, or done (when not nil) says the awaited work
// ended; the test fails if neither comes.
func WaitLocked(t testing.TB, st *store.Store, n int, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if done != nil && done() {
			return
		}
		var waiting int
		if err := st.DB().Get(&waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d backends came to wait for a lock", n)
}
