package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	_ "github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"postvakt/internal/pgtest"
	"postvakt/migrations"
)

// TestDownAndUpAgain applies the migrations one by one, noting the schema
// after each, then undoes them one by one, newest first: after each Down
// the schema must be what it was before that migration's Up. Then they all
// apply again, to the schema of the first time.
func TestDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("postgres", pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithLogger(goose.NopLogger()), goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to nothing: %v", err)
	}
	empty := schema(t, db)
	if len(empty) != 0 {
		t.Errorf("after every Down, still: %v", empty)
	}
	// Up one by one: the schema before each migration.
	var versions []int64
	before := map[int64][]string{}
	for {
		prev := schema(t, db)
		r, err := p.UpByOne(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			break
		}
		if err != nil {
			t.Fatalf("up: %v", err)
		}
		versions = append(versions, r.Source.Version)
		before[r.Source.Version] = prev
	}
	latest := schema(t, db)
	if len(versions) < 20 {
		t.Fatalf("only %d migrations applied", len(versions))
	}
	// Down one by one: each undoes exactly its Up.
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		if _, err := p.Down(ctx); err != nil {
			t.Fatalf("down %d: %v", v, err)
		}
		if got, want := schema(t, db), before[v]; strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("after the Down of %d the schema is not what it was before its Up:\n%s", v, diff(want, got))
		}
	}
	if err := migrations.Up(ctx, db); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if got := schema(t, db); strings.Join(got, "\n") != strings.Join(latest, "\n") {
		t.Errorf("the schema differs after down and up again:\n%s", diff(latest, got))
	}
}

// diff lists the lines only in want (-) and only in got (+).
func diff(want, got []string) string {
	in := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range l {
			m[s] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for _, s := range want {
		if !g[s] {
			out = append(out, "- "+s)
		}
	}
	for _, s := range got {
		if !w[s] {
			out = append(out, "+ "+s)
		}
	}
	return strings.Join(out, "\n")
}

// schema lists the public schema's columns, indexes, constraints, views,
// functions, triggers, sequences and enum and domain types, one line each,
// in a stable order (goose's own version table left out).
func schema(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'goose_db_version'
		UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 AND conrelid::regclass::text <> 'goose_db_version'
		UNION ALL SELECT 'matview ' || matviewname || ' ' || definition FROM pg_matviews WHERE schemaname = 'public'
		UNION ALL SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
		UNION ALL SELECT 'function ' || p.proname || ' ' || pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
		UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
		UNION ALL SELECT 'sequence ' || sequence_name || ' ' || data_type FROM information_schema.sequences
			WHERE sequence_schema = 'public' AND sequence_name NOT LIKE 'goose_db_version%'
		UNION ALL SELECT 'type ' || typname || ' ' || typtype::text FROM pg_type
			WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
