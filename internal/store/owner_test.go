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
	ctx := context.Background()
	dbURL := pgtest.Empty(t) // owned by the admin role
	admin, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 4)
	rand.Read(b)
	role := "pv_notowner_" + hex.EncodeToString(b)
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC", // PostgreSQL 15's default, on 13 and 14 too
	} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		if a, err := sql.Open("postgres", pgtest.AdminURL(t)); err == nil {
			a.Exec("DROP OWNED BY " + role)
			a.Exec("DROP ROLE IF EXISTS " + role)
			a.Close()
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	st, err := store.Open(ctx, u.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.Migrate(ctx, migrations.Progress{})
	dbName := strings.TrimPrefix(u.Path, "/")
	if err == nil || !strings.Contains(err.Error(), "the role "+role+" does not own the database "+dbName) ||
		!strings.Contains(err.Error(), "ALTER DATABASE "+`"`+dbName+`"`+" OWNER TO "+`"`+role+`"`) {
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
	ctx := context.Background()
	dbURL := pgtest.Empty(t)
	admin, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var adminRole string
	if err := admin.QueryRowContext(ctx, "SELECT current_user").Scan(&adminRole); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	role := "pv_owner_" + hex.EncodeToString(b)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"ALTER DATABASE " + `"` + dbName + `"` + " OWNER TO " + role,
		"ALTER SCHEMA public OWNER TO " + `"` + adminRole + `"`, // as on PostgreSQL 14 and older
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
	} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		if a, err := sql.Open("postgres", pgtest.AdminURL(t)); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + `"` + dbName + `"` + " WITH (FORCE)")
			a.Exec("DROP ROLE IF EXISTS " + role)
			a.Close()
		}
	})
	u.User = url.User(role)
	st, err := store.Open(ctx, u.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.Migrate(ctx, migrations.Progress{})
	if err == nil || !strings.Contains(err.Error(), "the role "+role+" owns the database "+dbName+" but may not create in its schema public, owned by "+adminRole) ||
		!strings.Contains(err.Error(), "ALTER SCHEMA public OWNER TO "+`"`+role+`"`) {
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
	dbURL := pgtest.New(t) // migrated by the admin role: its tables are the admin's
	admin, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var adminRole string
	if err := admin.QueryRowContext(ctx, "SELECT current_user").Scan(&adminRole); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	role := "pv_tables_" + hex.EncodeToString(b)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"ALTER DATABASE " + `"` + dbName + `"` + " OWNER TO " + role,
	} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		if a, err := sql.Open("postgres", pgtest.AdminURL(t)); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + `"` + dbName + `"` + " WITH (FORCE)")
			a.Exec("DROP ROLE IF EXISTS " + role)
			a.Close()
		}
	})
	u.User = url.User(role)
	st, err := store.Open(ctx, u.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	says := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "the role "+role+", which DATABASE_URL logs in as, does not own the tables of the database "+dbName+": ") ||
			!strings.Contains(err.Error(), " belong to "+adminRole+" (migrated or restored as another role?)") ||
			!strings.Contains(err.Error(), "README, Deploy") {
			t.Fatalf("%s as the database's owner on tables of %s: %v; want it to name both roles and the README's statement", what, adminRole, err)
		}
	}
	_, err = st.Migrate(ctx, migrations.Progress{})
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
