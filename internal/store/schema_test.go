package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/pressly/goose/v3"

	"postvakt/internal/store"
	"postvakt/migrations"
)

// compatMigration is the migration that made schema_compatibility.
const compatMigration = 33

// TestCheckSchemaCompatibleFrom runs the start check of binaries of other
// releases (the newest migration they know, known) on a database migrated
// to this release. Newer than it knows but at or above the database's
// compatible_from (20): no error, and applied above known (the caller
// warns). Below compatible_from: a *TooOldError naming both versions. A
// later breaking migration's raise refuses this release too. After the
// Down of the migration that made the table, the table is gone and an
// older binary is only behind again, as before it.
func TestCheckSchemaCompatibleFrom(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	latest, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}
	// This release: current.
	if applied, err := st.CheckSchema(ctx, latest); err != nil || applied != latest {
		t.Fatalf("this release: applied %d, %v; want %d, nil", applied, err, latest)
	}
	if err := st.SchemaCurrent(ctx); err != nil {
		t.Fatalf("SchemaCurrent of this release: %v", err)
	}
	// Older releases that know 00020 and later: the database is newer but
	// compatible.
	for _, known := range []int64{20, 25, latest - 1} {
		applied, err := st.CheckSchema(ctx, known)
		if err != nil || applied != latest || applied <= known {
			t.Errorf("a binary that knows %d: applied %d, %v; want %d (newer, a warning), nil", known, applied, err, latest)
		}
	}
	// A binary of 00019 (or older) cannot serve 00020's schema.
	for _, known := range []int64{19, 8} {
		_, err := st.CheckSchema(ctx, known)
		var old *store.TooOldError
		if !errors.As(err, &old) || old.Known != known || old.CompatibleFrom != 20 || old.Applied != latest {
			t.Fatalf("a binary that knows %d: %#v, want a *TooOldError from 20", known, err)
		}
		want := fmt.Sprintf("this binary knows migrations up to %05d; the database (at %05d) needs at least 00020 — run the newer release", known, latest)
		if err.Error() != want {
			t.Errorf("the refusal says\n%s\nwant\n%s", err, want)
		}
	}
	// A later breaking migration (one UPDATE) refuses this release too.
	if _, err := st.DB().Exec(`UPDATE schema_compatibility SET compatible_from = $1`, latest+1); err != nil {
		t.Fatal(err)
	}
	var old *store.TooOldError
	if err := st.SchemaCurrent(ctx); !errors.As(err, &old) || old.CompatibleFrom != latest+1 {
		t.Errorf("this release after a breaking migration: %v, want a *TooOldError", err)
	}
	if _, err := st.DB().Exec(`UPDATE schema_compatibility SET compatible_from = 20`); err != nil {
		t.Fatal(err)
	}
	// One row only.
	if _, err := st.DB().Exec(`INSERT INTO schema_compatibility (compatible_from) VALUES (1)`); err == nil {
		t.Error("a second row in schema_compatibility was taken")
	}
	// The Down of the migration: the table goes, and an older binary is
	// only warned of a newer schema again.
	p, err := goose.NewProvider(goose.DialectPostgres, st.DB().DB, migrations.FS, goose.WithLogger(goose.NopLogger()), goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ApplyVersion(ctx, compatMigration, false); err != nil {
		t.Fatalf("down %d: %v", compatMigration, err)
	}
	var gone bool
	if err := st.DB().Get(&gone, `SELECT to_regclass('schema_compatibility') IS NULL`); err != nil || !gone {
		t.Fatalf("after the Down of %d the table is still there (%v)", compatMigration, err)
	}
	applied, err := st.CheckSchema(ctx, 19)
	if err != nil || applied <= 19 {
		t.Errorf("a binary of 00019 after the Down: applied %d, %v; want newer, nil (a warning, as before)", applied, err)
	}
	// Up again: refused again.
	if _, err := p.ApplyVersion(ctx, compatMigration, true); err != nil {
		t.Fatalf("up %d: %v", compatMigration, err)
	}
	if _, err := st.CheckSchema(ctx, 19); !errors.As(err, &old) {
		t.Errorf("a binary of 00019 after the Up again: %v, want a *TooOldError", err)
	}
}

// TestCheckSchemaBehind: a database behind the binary's newest migration
// says to migrate (with or without schema_compatibility), and one with no
// schema says so.
func TestCheckSchemaBehind(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	latest, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CheckSchema(ctx, latest+1); err == nil || err.Error() != fmt.Sprintf("the database schema is at version %d, this postvakt needs %d: run postvakt migrate", latest, latest+1) {
		t.Errorf("a database behind: %v", err)
	}
	if _, err := st.DB().Exec(`DROP TABLE goose_db_version`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CheckSchema(ctx, latest); err == nil || err.Error() != "the database has no postvakt schema yet: run postvakt migrate (serve migrates at start)" {
		t.Errorf("a database without a schema: %v", err)
	}
}

// TestCheckSchemaMissingMigrationBelowNewest: migrations are applied out of
// order (one merged from a parallel branch, numbered below one already
// applied), so a database may have the newest migration this binary knows
// and still lack one below it. It is behind all the same: the check (and
// /readyz, the start of a command that does not migrate, every job's tick)
// says to migrate, naming the missing one, instead of calling it current.
func TestCheckSchemaMissingMigrationBelowNewest(t *testing.T) {
	ctx := context.Background()
	vs, err := migrations.Versions()
	if err != nil {
		t.Fatal(err)
	}
	latest, below, third := vs[len(vs)-1], vs[len(vs)-2], vs[len(vs)-3]
	for _, tc := range []struct {
		name    string
		missing []int64
		known   int64
		want    string // "": current
	}{
		{"one below the newest missing", []int64{below}, latest,
			fmt.Sprintf("the database schema lacks migration %d that this postvakt needs: run postvakt migrate", below)},
		{"two below the newest missing", []int64{third, below}, latest,
			fmt.Sprintf("the database schema lacks migrations %d, %d that this postvakt needs: run postvakt migrate", third, below)},
		{"the newest missing", []int64{latest}, latest,
			fmt.Sprintf("the database schema is at version %d, this postvakt needs %d: run postvakt migrate", below, latest)},
		{"missing above what an older binary knows", []int64{below}, third, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			for _, v := range tc.missing {
				if _, err := st.DB().Exec(`DELETE FROM goose_db_version WHERE version_id = $1`, v); err != nil {
					t.Fatal(err)
				}
			}
			_, err := st.CheckSchema(ctx, tc.known)
			var old *store.TooOldError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("CheckSchema(%d) without %v: %v, want nil", tc.known, tc.missing, err)
			case tc.want != "" && (err == nil || err.Error() != tc.want || errors.As(err, &old)):
				t.Errorf("CheckSchema(%d) without %v: %v, want %q", tc.known, tc.missing, err, tc.want)
			}
		})
	}
}
