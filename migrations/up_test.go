package migrations_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/migrations"
)

// TestConcurrentUpAppliesEachOnce: three replicas migrating an empty
// database at once (serve at the start of each) all succeed, and between
// them apply every embedded migration exactly once, each told to its
// caller's progress before it begins and after it is applied: the
// advisory lock holds over the whole run, so the ones that waited find
// nothing pending.
func TestConcurrentUpAppliesEachOnce(t *testing.T) {
	url := pgtest.Empty(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var embedded []string
	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			embedded = append(embedded, n)
		}
	}

	var (
		mu      sync.Mutex
		started = map[string]int{}
		done    = map[string]int{}
		total   int
		wg      sync.WaitGroup
	)
	progress := migrations.Progress{
		Start: func(name string) { mu.Lock(); started[name]++; mu.Unlock() },
		Done: func(name string, _ time.Duration, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("%s failed: %v", name, err)
			}
			if started[name] != done[name]+1 {
				t.Errorf("%s done without its start", name)
			}
			done[name]++
		},
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := migrations.Up(context.Background(), db, progress)
			if err != nil {
				t.Errorf("up: %v", err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != len(embedded) {
		t.Errorf("%d migrations applied between the three, want %d", total, len(embedded))
	}
	for _, n := range embedded {
		if started[n] != 1 || done[n] != 1 {
			t.Errorf("%s started %d and done %d times, want once", n, started[n], done[n])
		}
	}
	// Once more: nothing pending, nothing told.
	n, err := migrations.Up(context.Background(), db, migrations.Progress{Start: func(name string) { t.Errorf("%s begun again", name) }})
	if err != nil || n != 0 {
		t.Errorf("up on a current database: %d applied, %v; want 0, nil", n, err)
	}
}
