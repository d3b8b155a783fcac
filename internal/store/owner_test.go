package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
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
