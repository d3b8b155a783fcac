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

// TestUpLockReleasedAndWaitCancelled: a migration that fails leaves no
// migration lock behind (a replica started after it migrates), nor a
// version recorded for it; and an Up waiting for the lock another session
// holds stops when its context ends, having applied nothing.
func TestUpLockReleasedAndWaitCancelled(t *testing.T) {
	url := pgtest.Empty(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	// 00001 creates sender_orgs: one already there makes it fail.
	if _, err := db.Exec(`CREATE TABLE sender_orgs (x int)`); err != nil {
		t.Fatal(err)
	}
	if n, err := migrations.Up(ctx, db, migrations.Progress{}); err == nil || n != 0 {
		t.Fatalf("up over a conflicting table: %d applied, %v; want 0 and an error", n, err)
	}
	var locks, versions int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`).Scan(&locks); err != nil {
		t.Fatal(err)
	}
	if locks != 0 {
		t.Fatalf("%d advisory locks held after a failed migration, want 0", locks)
	}
	if err := db.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 0 {
		t.Errorf("%d versions recorded after 00001 failed, want 0", versions)
	}

	if _, err := db.Exec(`DROP TABLE sender_orgs`); err != nil {
		t.Fatal(err)
	}
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_lock(x'706f73747661'::bigint)`); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	n, err := migrations.Up(wait, db, migrations.Progress{Start: func(name string) { t.Errorf("%s begun while another holds the lock", name) }})
	if err == nil || n != 0 {
		t.Errorf("up while the lock is held, its context ending: %d applied, %v; want 0 and an error", n, err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("up went on waiting %s after its context ended", took.Round(time.Second))
	}
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_unlock(x'706f73747661'::bigint)`); err != nil {
		t.Fatal(err)
	}
	if n, err := migrations.Up(ctx, db, migrations.Progress{}); err != nil || n == 0 {
		t.Errorf("up once the lock is free: %d applied, %v", n, err)
	}
}
