// Package migrations embeds the SQL schema migrations so the binary can apply
// them itself (goose). It lives beside the .sql files because Go cannot embed
// from a parent folder.
package migrations

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
)

// FS holds every migration, applied in file-name order.
//
//go:embed *.sql
var FS embed.FS

// Progress hears of each migration Up applies, by its file name without
// .sql ("00020_poll_queue"); either may be nil.
type Progress struct {
	Start func(name string)                                // before it begins
	Done  func(name string, took time.Duration, err error) // once it is applied, or failed
	// Waiting is told once when another session holds the migration lock
	// and Up waits for it, naming the holder ("pid 4711 (postvakt)"; may be
	// nil): a command waiting for another's migration says so.
	Waiting func(holder string)
}

// Up applies every pending migration to db, one at a time in version order,
// telling progress of each, and returns how many it applied. Concurrent
// callers (several replicas starting at once) are serialised by a
// PostgreSQL advisory lock, held over the whole run: a caller that waited
// for it finds the migrations applied and applies none.
//
// Each migration's statements run on a session of their own, which holds
// a second advisory lock (applyKey) while they do: a migrate killed (kill
// -9, a probe giving up) loses its run's lock with its client, but the
// statement the server was running goes on until it ends, and the next
// Up waits for it rather than run the same migration beside it (00039's
// index built twice at once: "deadlock detected", "tuple concurrently
// updated").
func Up(ctx context.Context, db *sql.DB, progress Progress) (int, error) {
	if w := progress.Waiting; w != nil {
		var once sync.Once
		progress.Waiting = func(holder string) { once.Do(func() { w(holder) }) }
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if err := takeLock(ctx, conn, lockKey, progress.Waiting); err != nil {
		// A cancel can land after the server granted the lock and before
		// the answer was read: the session may hold it, so it is closed
		// rather than handed back to the pool still holding it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return 0, fmt.Errorf("migrate: take lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck // released with the connection anyway
	// Out of order: a migration numbered below one already applied (work
	// merged from parallel branches) is applied rather than refused.
	p, err := goose.NewProvider(goose.DialectPostgres, db, FS, goose.WithLogger(goose.NopLogger()), goose.WithAllowOutofOrder(true),
		goose.WithSessionLocker(applyLock{waiting: progress.Waiting}))
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	// Each pending one by its version, as goose's Up would apply them
	// (those missing below the newest applied first, in order), so each is
	// named before it begins.
	statuses, err := p.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: read the applied migrations: %w", err)
	}
	applied := 0
	for _, st := range statuses {
		if st.State != goose.StatePending {
			continue
		}
		name := strings.TrimSuffix(path.Base(st.Source.Path), ".sql")
		if progress.Start != nil {
			progress.Start(name)
		}
		start := time.Now()
		_, err := p.ApplyVersion(ctx, st.Source.Version, true)
		if progress.Done != nil {
			progress.Done(name, time.Since(start), err)
		}
		if err != nil {
			var pe *goose.PartialError
			if errors.As(err, &pe) {
				err = pe.Err // without goose's "partial migration error (type:sql,version:N)"
			}
			return applied, fmt.Errorf("migrate %s: %w", name, err)
		}
		applied++
	}
	return applied, nil
}

// Latest is the version of the newest embedded migration: a database
// migrated to it is current.
func Latest() (int64, error) {
	vs, err := Versions()
	if err != nil || len(vs) == 0 {
		return 0, err
	}
	return vs[len(vs)-1], nil
}

// Versions are the versions of the embedded migrations, in order: a
// database is current when it has each of them (they are applied out of
// order, so the newest alone does not tell).
func Versions() ([]int64, error) {
	entries, err := FS.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var out []int64
	for _, e := range entries {
		v, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("migration %s: the name does not start with a version", e.Name())
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// lockKey is the advisory lock that serialises migrations.
const lockKey = 0x706f73747661 // "postva"

// applyKey is the advisory lock held by the session that runs a
// migration's statements, while it does (applyLock).
const applyKey = lockKey + 1

// applyLock is goose's lock on the session that applies one migration:
// applyKey, taken as takeLock takes lockKey.
type applyLock struct{ waiting func(holder string) }

func (l applyLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if err := takeLock(ctx, conn, applyKey, l.waiting); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // as in Up
		return fmt.Errorf("wait for the statements of a migration before: %w", err)
	}
	return nil
}

func (l applyLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, applyKey)
	return err
}

// lockPoll is how often a migration waiting for another one asks for the
// lock.
const lockPoll = 500 * time.Millisecond

// takeLock takes the advisory lock key on conn, waiting while another session
// holds it. It asks with pg_try_advisory_lock every lockPoll instead of
// waiting inside pg_advisory_lock: a session waiting inside a statement
// holds a snapshot, and CREATE INDEX CONCURRENTLY (00031), run by the
// lock's holder, waits for every older snapshot in the database, so
// replicas starting at once on a database before 00031 waited for each
// other for ever.
// waiting, when not nil, is told once who holds it.
func takeLock(ctx context.Context, conn *sql.Conn, key int64, waiting func(holder string)) error {
	for told := false; ; told = true {
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
			return err
		}
		if got {
			return nil
		}
		if !told && waiting != nil {
			waiting(lockHolder(ctx, conn, key))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

// lockHolder names the session holding the migration lock, as pg_locks and
// pg_stat_activity tell (a bigint advisory lock is classid, the key's high
// half, and objid, its low half): "pid 4711 (postvakt)", or "another
// session" when they do not tell (another role's session, whose
// application name is not shown).
func lockHolder(ctx context.Context, conn *sql.Conn, key int64) string {
	var pid int
	var app string
	if err := conn.QueryRowContext(ctx, `SELECT l.pid, coalesce(a.application_name, '') FROM pg_locks l
		LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
			AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid LIMIT 1`, key).Scan(&pid, &app); err != nil {
		return "another session"
	}
	if app == "" {
		return fmt.Sprintf("pid %d", pid)
	}
	return fmt.Sprintf("pid %d (%s)", pid, app)
}
