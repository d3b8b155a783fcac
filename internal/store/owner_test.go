package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/migrations"
)

// README, Deploy: postvakt needs a database owned by the role it logs in
// as. A database an administrator made for it and only granted CONNECT
// on (PostgreSQL 15's default: no CREATE on schema public) refuses the
// first migration with "permission denied for schema public"; the error
// then names the role, the database and the statement that makes the role
// its owner.
func TestMigrateOnDatabaseNotOwnedSaysSo(t *testing.T) {
	w := newRoleWorld(t, pgtest.Empty(t), "pv_notowner_", func(roleWorld) []string { // the database is the admin role's
		return []string{"REVOKE CREATE ON SCHEMA public FROM PUBLIC"} // PostgreSQL 15's default, on 13 and 14 too
	})
	_, err := w.st.Migrate(context.Background(), migrations.Progress{})
	if err == nil || !strings.Contains(err.Error(), "the role "+w.role+" does not own the database "+w.dbName) ||
		!strings.Contains(err.Error(), "ALTER DATABASE "+`"`+w.dbName+`"`+" OWNER TO "+`"`+w.role+`"`) {
		t.Fatalf("migrate as a role that does not own its database: %v; want it to say the role must own it", err)
	}
}

// README, Deploy: owning the database is enough, but on PostgreSQL 14 and
// older its schema public belongs to the bootstrap superuser, and a server
// hardened as PostgreSQL's docs advise (REVOKE CREATE ON SCHEMA public FROM
// PUBLIC) leaves the owning role unable to create in it: the bare
// "permission denied for schema public" then names the role, the database,
// the schema's owner and the statement that mends it.
func TestMigrateOnSchemaPublicNotTheRolesSaysSo(t *testing.T) {
	w := newRoleWorld(t, pgtest.Empty(t), "pv_owner_", func(w roleWorld) []string {
		return []string{
			"ALTER DATABASE " + `"` + w.dbName + `"` + " OWNER TO " + w.role,
			"ALTER SCHEMA public OWNER TO " + `"` + w.adminRole + `"`, // as on PostgreSQL 14 and older
			"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		}
	})
	_, err := w.st.Migrate(context.Background(), migrations.Progress{})
	if err == nil || !strings.Contains(err.Error(), "the role "+w.role+" owns the database "+w.dbName+" but may not create in its schema public, owned by "+w.adminRole) ||
		!strings.Contains(err.Error(), "ALTER SCHEMA public OWNER TO "+`"`+w.role+`"`) {
		t.Fatalf("migrate as the owning role without CREATE on schema public: %v; want it to name the schema's owner and the ALTER SCHEMA", err)
	}
}

// README, Deploy (Backups: tables of another role): a database the role
// owns whose tables an administrator made (migrate run with the
// administrator's DATABASE_URL, or pg_restore --no-owner run as the
// administrator) refused every command with the bare "permission denied
// for table goose_db_version". Migrate and CheckSchema then name the role,
// the tables' owner and the README's statement, and that statement, run as
// the administrator, mends it.
func TestMigrateOnTablesOfAnotherRoleSaysSo(t *testing.T) {
	ctx := context.Background()
	// Migrated by the admin role: its tables are the admin's.
	w := newRoleWorld(t, pgtest.New(t), "pv_tables_", func(w roleWorld) []string {
		return []string{"ALTER DATABASE " + `"` + w.dbName + `"` + " OWNER TO " + w.role}
	})
	admin, adminRole, role, dbName, st := w.admin, w.adminRole, w.role, w.dbName, w.st
	says := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "the role "+role+", which DATABASE_URL logs in as, does not own the tables of the database "+dbName+": ") ||
			!strings.Contains(err.Error(), " belong to "+adminRole+" (migrated or restored as another role?)") ||
			!strings.Contains(err.Error(), "README, Deploy") {
			t.Fatalf("%s as the database's owner on tables of %s: %v; want it to name both roles and the README's statement", what, adminRole, err)
		}
	}
	_, err := st.Migrate(ctx, migrations.Progress{})
	says("migrate", err)
	says("the schema check", st.SchemaCurrent(ctx))

	// The README's statement, for this role, as the administrator.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "**Tables of another role.**")
	block := regexp.MustCompile("(?s)```sql\n(.*?)```").FindStringSubmatch(section)
	if block == nil || !strings.Contains(block[1], "OWNER TO postvakt") {
		t.Fatal("README, Deploy: no sql block after Tables of another role giving the tables to postvakt")
	}
	if _, err := admin.ExecContext(ctx, strings.ReplaceAll(block[1], "postvakt", role)); err != nil {
		t.Fatalf("the README's statement: %v", err)
	}
	if _, err := st.Migrate(ctx, migrations.Progress{}); err != nil {
		t.Fatalf("migrate after the README's statement: %v", err)
	}
	if err := st.SchemaCurrent(ctx); err != nil {
		t.Fatalf("schema check after the README's statement: %v", err)
	}
	var left int
	if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner <> $1::regrole`, role).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d tables, views and sequences still not the role's after the README's statement", left)
	}
}

// roleWorld is a test database with a login role of its own: the
// administrator (admin, adminRole) made the role and ran the test's
// statements; st is the store opened as that role. The database and the
// role are dropped at the test's end.
type roleWorld struct {
	admin           *sql.DB
	adminRole, role string
	dbName          string
	st              *store.Store
}

// newRoleWorld makes a login role prefix+random on dbURL's database, runs
// stmts (given the world, for its names) as the administrator, and opens
// the store as the role.
func newRoleWorld(t *testing.T, dbURL, prefix string, stmts func(w roleWorld) []string) roleWorld {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	w := roleWorld{admin: admin}
	if err := admin.QueryRowContext(ctx, "SELECT current_user").Scan(&w.adminRole); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	w.role = prefix + hex.EncodeToString(b)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	w.dbName = strings.TrimPrefix(u.Path, "/")
	t.Cleanup(func() {
		if a, err := sql.Open("postgres", pgtest.AdminURL(t)); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + `"` + w.dbName + `"` + " WITH (FORCE)")
			a.Exec("DROP ROLE IF EXISTS " + w.role)
			a.Close()
		}
	})
	for _, stmt := range append([]string{"CREATE ROLE " + w.role + " LOGIN"}, stmts(w)...) {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	u.User = url.User(w.role)
	if w.st, err = store.Open(ctx, u.String(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.st.Close() })
	return w
}
