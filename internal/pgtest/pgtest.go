// Package pgtest gives tests an isolated, migrated PostgreSQL database on the
// throwaway cluster that `make test` starts (scripts/pg.sh). The cluster's
// admin URL comes in PGTEST_URL. A template database is migrated once per
// schema version, and every test gets its own copy, so packages and tests
// run in parallel without seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	_ "github.com/lib/pq" // the PostgreSQL driver

	"postvakt/migrations"
)

// EnvURL names the environment variable with the cluster's admin URL.
const EnvURL = "PGTEST_URL"

// AdminURL returns the cluster's admin URL, failing the test when there is
// none: a database test must run against a real database, never skip.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which starts a throwaway PostgreSQL cluster "+
			"(or start one with scripts/pg.sh start DIR and export %s)", EnvURL, EnvURL)
	}
	return u
}

// New creates a fresh migrated database for this test, drops it when the
// test ends, and returns its URL.
func New(t testing.TB) string {
	t.Helper()
	return create(t, true)
}

// Empty creates a fresh database with nothing in it (not migrated: what a
// new deployment starts from), drops it when the test ends, and returns
// its URL.
func Empty(t testing.TB) string {
	t.Helper()
	return create(t, false)
}

// Owned creates a login role that is not a superuser and an empty database
// it owns, as a DBA hands them over (README, Deploy), both dropped when the
// test ends, and returns the database's URL as that role.
func Owned(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatalf("pgtest: open admin connection: %v", err)
	}
	defer db.Close()
	suffix := randomHex(8)
	role, name := "pv_owner_"+suffix, "t_owned_"+suffix
	// Dropped also when the database cannot be made after the role.
	atEnd(t, admin, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name), `DROP ROLE IF EXISTS `+role)
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
		"CREATE DATABASE " + name + " OWNER " + role,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("pgtest: %s: %v", stmt, err)
		}
	}
	u, err := url.Parse(WithDatabase(admin, name))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	u.User = url.User(role)
	return u.String()
}

// create makes a database for this test, from the migrated template or
// empty, dropped when the test ends.
func create(t testing.TB, migrated bool) string {
	t.Helper()
	admin := AdminURL(t)
	ctx := context.Background()
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatalf("pgtest: open admin connection: %v", err)
	}
	defer db.Close()
	name := "t_" + randomHex(8)
	stmt := "CREATE DATABASE " + name
	if migrated {
		tmpl, err := template(ctx, db, admin)
		if err != nil {
			t.Fatalf("pgtest: template database: %v", err)
		}
		stmt += " TEMPLATE " + tmpl
	}
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	atEnd(t, admin, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	return WithDatabase(admin, name)
}

// atEnd runs stmts, in order, through the admin connection when the test
// ends (its clean-up; a statement that fails is passed over).
func atEnd(t testing.TB, admin string, stmts ...string) {
	t.Cleanup(func() {
		db, err := sql.Open("postgres", admin)
		if err != nil {
			return
		}
		defer db.Close()
		for _, q := range stmts {
			_, _ = db.Exec(q)
		}
	})
}

// Unreachable makes the test's database db unreachable, as a failover or a
// restart does: no new connection is let in and the open ones are cut. back
// lets connections in again; the test's end does too.
func Unreachable(t testing.TB, db string) (back func()) {
	t.Helper()
	u, err := url.Parse(db)
	if err != nil {
		t.Fatalf("pgtest: parse %q: %v", db, err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("postgres", AdminURL(t))
	if err != nil {
		t.Fatalf("pgtest: open admin connection: %v", err)
	}
	defer admin.Close()
	allow := `ALTER DATABASE "` + name + `" ALLOW_CONNECTIONS true`
	atEnd(t, AdminURL(t), allow)
	if _, err := admin.Exec(`ALTER DATABASE "` + name + `" ALLOW_CONNECTIONS false`); err != nil {
		t.Fatalf("pgtest: refuse connections to %s: %v", name, err)
	}
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name); err != nil {
		t.Fatalf("pgtest: cut the connections to %s: %v", name, err)
	}
	return func() {
		t.Helper()
		admin, err := sql.Open("postgres", AdminURL(t))
		if err != nil {
			t.Fatalf("pgtest: open admin connection: %v", err)
		}
		defer admin.Close()
		if _, err := admin.Exec(allow); err != nil {
			t.Fatalf("pgtest: let connections to %s in again: %v", name, err)
		}
	}
}

// WithDatabase returns the URL u pointing at database name.
func WithDatabase(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	parsed.Path = "/" + name
	return parsed.String()
}

// template makes sure a migrated template for the current migrations exists
// and returns its name. Concurrent test processes agree through an advisory
// lock on the admin database.
func template(ctx context.Context, db *sql.DB, admin string) (string, error) {
	name := "tmpl_" + schemaHash()
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(4242)`); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(4242)`) //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building)); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	tdb, err := sql.Open("postgres", WithDatabase(admin, building))
	if err != nil {
		return "", err
	}
	if _, err := migrations.Up(ctx, tdb, migrations.Progress{}); err != nil {
		tdb.Close()
		return "", err
	}
	tdb.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// schemaHash names the template after the migrations' content, so a changed
// migration gets a new template on a long-lived development cluster.
func schemaHash() string {
	h := sha256.New()
	names, _ := fs.Glob(migrations.FS, "*.sql")
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return strings.ToLower(hex.EncodeToString(h.Sum(nil))[:12])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
