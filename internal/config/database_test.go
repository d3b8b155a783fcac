package config

import (
	"strings"
	"testing"

	"github.com/lib/pq"
)

// TestDatabaseURL: DATABASE_URL (or the file DATABASE_URL_FILE names) is
// taken when lib/pq can connect by it, and a value it cannot read, or a
// URL's query without its URL (what serve took for a server on localhost
// and waited 30 s for), fails the start at once with the variable's name,
// never quoting the value (its password).
func TestDatabaseURL(t *testing.T) {
	for _, tc := range []struct {
		url, err string // err: what the error says; "" when taken
	}{
		{"postgres://postvakt:secret@db.example:5432/postvakt?sslmode=verify-full&lock_timeout=3s", ""},
		{"postgresql://postvakt@/postvakt?host=/var/run/postgresql", ""},
		{"host=/tmp/pg dbname=postvakt user=postvakt password='se cret'", ""},
		{"dbname=postvakt", ""},
		{"postgres:///postvakt", ""}, // localhost, or PGHOST
		{"postgres://postvakt:secret@db.example/postvakt?options=-c%20search_path%3Dpv&pg_stat_statements.track=all", ""},
		{"&lock_timeout=3s", "a URL's query"},
		{"?sslmode=require&lock_timeout=3s", "a URL's query"},
		{"secret-password", "neither a postgres:// URL nor key=value"},
		{"db.example:5432/postvakt", "neither a postgres:// URL nor key=value"},
		{"postgres://postvakt:se/cret@db.example/postvakt", "percent-encode"},
	} {
		_, err := Load(lookup(map[string]string{"DATABASE_URL": tc.url}))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q refused: %v", tc.url, err)
		case tc.err != "" && err == nil:
			t.Errorf("%q taken", tc.url)
		case tc.err != "" && (!strings.HasPrefix(err.Error(), "DATABASE_URL: ") || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: %v, want DATABASE_URL: …%s…", tc.url, err, tc.err)
		case err != nil && (strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "cret")):
			t.Errorf("%q: the error quotes the value: %v", tc.url, err)
		}
	}
}

// README, Deploy: lib/pq takes libpq's PG* environment variables for what
// DATABASE_URL leaves out, as psql does: a PGSSLMODE=disable left in the
// service's environment connects without TLS when the URL names no
// sslmode, and the URL's own sslmode wins over it.
func TestDatabaseURLTakesThePGEnvironment(t *testing.T) {
	t.Setenv("PGSSLMODE", "disable")
	c, err := pq.NewConfig("postgres://postvakt@db.example/postvakt")
	if err != nil || c.SSLMode != "disable" {
		t.Errorf("with PGSSLMODE=disable and no sslmode in the URL: sslmode %q, %v; want disable, as README says", c.SSLMode, err)
	}
	c, err = pq.NewConfig("postgres://postvakt@db.example/postvakt?sslmode=verify-full")
	if err != nil || c.SSLMode != "verify-full" {
		t.Errorf("with PGSSLMODE=disable and sslmode=verify-full in the URL: sslmode %q, %v; want verify-full", c.SSLMode, err)
	}
}
