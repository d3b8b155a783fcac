package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"

	"postvakt/migrations"
)

// Migrate applies pending schema migrations, telling progress of each,
// and returns how many it applied.
// A migration refused for want of a privilege on a database the role does
// not own says so: postvakt needs a database owned by its role (README,
// Deploy), and PostgreSQL's "permission denied for schema public" alone
// does not say which grant is missing. One the role owns but whose schema
// public it may not create in (PostgreSQL 14 and older, hardened) says
// that, naming the schema's owner. One whose tables another role made
// (migrated or restored as an administrator) names that role
// (foreignTables).
// A server older than MinServerVersion is refused before anything is
// applied: the migrations pass on PostgreSQL 12, and what fails on it
// would fail later, in a job, saying nothing of the server's version.
func (s *Store) Migrate(ctx context.Context, progress migrations.Progress) (int, error) {
	var num int
	var version string
	if err := s.db.QueryRowxContext(ctx, `SELECT current_setting('server_version_num')::int, current_setting('server_version')`).
		Scan(&num, &version); err != nil {
		return 0, fmt.Errorf("ask the PostgreSQL server's version: %w", err)
	}
	if err := serverSupported(num, version); err != nil {
		return 0, err
	}
	n, err := migrations.Up(ctx, s.db.DB, progress)
	var pe *pq.Error
	if !errors.As(err, &pe) || pe.Code != "42501" { // insufficient_privilege
		return n, err
	}
	var role, db, schemaOwner string
	var owns, creates bool
	if qerr := s.db.QueryRowxContext(ctx, `SELECT current_user, current_database(), pg_has_role(current_user, datdba, 'MEMBER'),
			coalesce((SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'), ''),
			coalesce((SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = 'public'), false)
		FROM pg_database WHERE datname = current_database()`).Scan(&role, &db, &owns, &schemaOwner, &creates); qerr != nil {
		return n, err
	}
	if ferr := s.foreignTables(ctx, err); ferr != err {
		return n, ferr
	}
	if owns {
		if creates || schemaOwner == "" {
			return n, err
		}
		// PostgreSQL 14 and older give the schema public to the bootstrap
		// superuser, not to the database's owner; a server hardened as
		// PostgreSQL's own docs advise then takes CREATE on it from PUBLIC.
		return n, fmt.Errorf("%w\nthe role %s owns the database %s but may not create in its schema public, owned by %s "+
			"(as an administrator, in that database: ALTER SCHEMA public OWNER TO %s)",
			err, role, db, schemaOwner, pq.QuoteIdentifier(role))
	}
	return n, fmt.Errorf("%w\nthe role %s does not own the database %s: postvakt needs a database its role owns "+
		"(as the database's owner or an administrator: ALTER DATABASE %s OWNER TO %s)",
		err, role, db, pq.QuoteIdentifier(db), pq.QuoteIdentifier(role))
}

// MinServerVersion is the oldest PostgreSQL postvakt runs on (README,
// Deploy), as server_version_num: 13.0.
const MinServerVersion = 130000

// serverSupported refuses a server older than MinServerVersion, naming its
// version (server_version, e.g. "12.22") and the oldest supported.
func serverSupported(num int, version string) error {
	if num >= MinServerVersion {
		return nil
	}
	return fmt.Errorf("the database server is PostgreSQL %s; postvakt needs PostgreSQL %d or newer: upgrade the server (nothing was migrated)",
		version, MinServerVersion/10000)
}

// TooOldError is the refusal of a binary older than the database needs:
// a migration that breaks older binaries' queries raised the database's
// compatible_from (the table schema_compatibility, migration 00033) above
// the newest migration the binary knows.
type TooOldError struct {
	Known          int64 // the newest migration the binary knows
	CompatibleFrom int64 // the oldest it must know to run on the database
	Applied        int64 // the database's schema version
}

func (e *TooOldError) Error() string {
	return fmt.Sprintf("this binary knows migrations up to %05d; the database (at %05d) needs at least %05d — run the newer release",
		e.Known, e.Applied, e.CompatibleFrom)
}

// ErrSchemaBehind is matched (errors.Is) by CheckSchema's error for a
// database without postvakt's schema or behind the binary's migrations:
// postvakt migrate mends it. Its errors but that and *TooOldError say
// the schema could not be read (the database did not answer, or refused):
// no verdict on the schema.
var ErrSchemaBehind = errors.New("the database schema is behind this postvakt")

// behindError is an error of CheckSchema's that matches ErrSchemaBehind.
type behindError struct{ msg string }

func (e *behindError) Error() string        { return e.msg }
func (e *behindError) Is(target error) bool { return target == ErrSchemaBehind }

// SchemaCurrent checks that the database answers and that this binary can
// run on its schema (CheckSchema with the newest embedded migration).
func (s *Store) SchemaCurrent(ctx context.Context) error {
	latest, err := migrations.Latest()
	if err != nil {
		return err
	}
	_, err = s.CheckSchema(ctx, latest)
	return err
}

// CheckSchema checks that a binary whose newest migration is known can run
// on the database, and returns the database's schema version (applied).
// A database that does not answer is said to be unreachable.
// It is an error when the database has no postvakt schema yet or is
// behind known (both say to migrate), and a *TooOldError when the
// database's compatible_from is above known. A database newer than known
// but compatible is not an error: the caller sees applied > known.
func (s *Store) CheckSchema(ctx context.Context, known int64) (applied int64, err error) {
	versions, err := migrations.Versions()
	if err != nil {
		return 0, err
	}
	var needed []int64 // the embedded migrations a binary that knows up to known has
	for _, v := range versions {
		if v <= known {
			needed = append(needed, v)
		}
	}
	var hasCompat bool
	var missing pq.Int64Array
	// to_regclass: a database before 00033 (or after its Down) has no
	// compatible_from, and asking for it would log an error in
	// PostgreSQL's log at every readiness probe. missing: migrations are
	// applied out of order (migrations.Up), so one below the newest
	// applied may not be.
	if err := s.db.QueryRowxContext(ctx, `SELECT (SELECT COALESCE(max(version_id), 0) FROM goose_db_version WHERE is_applied),
		to_regclass('schema_compatibility') IS NOT NULL,
		ARRAY(SELECT v FROM unnest($1::bigint[]) AS v
			WHERE NOT EXISTS (SELECT 1 FROM goose_db_version g WHERE g.version_id = v AND g.is_applied) ORDER BY v)`,
		pq.Array(needed)).Scan(&applied, &hasCompat, &missing); err != nil {
		var pe *pq.Error
		if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
			return 0, &behindError{"the database has no postvakt schema yet: run postvakt migrate (serve migrates at start)"}
		}
		if errors.As(err, &pe) && pe.Code == "42501" { // insufficient_privilege
			return 0, s.foreignTables(ctx, fmt.Errorf("read the schema version: %w", err))
		}
		if transient(err) {
			// Said as what it is: every scheduled job checks the schema
			// first (jobs.Require), and "read the schema version: dial …"
			// each tick read as a problem with the schema.
			return 0, fmt.Errorf("the database is unreachable (checking the schema version): %w", err)
		}
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	if hasCompat {
		var from int64
		if err := s.db.GetContext(ctx, &from, `SELECT COALESCE(max(compatible_from), 0) FROM schema_compatibility`); err != nil {
			return applied, fmt.Errorf("read the schema's compatible_from: %w", err)
		}
		if known < from {
			return applied, &TooOldError{Known: known, CompatibleFrom: from, Applied: applied}
		}
	}
	if applied < known {
		return applied, &behindError{fmt.Sprintf("the database schema is at version %d, this postvakt needs %d: run postvakt migrate", applied, known)}
	}
	if len(missing) > 0 {
		// Behind all the same: a migration merged from a parallel branch,
		// numbered below the newest, that this database has not had.
		return applied, &behindError{fmt.Sprintf("the database schema lacks %s that this postvakt needs: run postvakt migrate", lacking(missing))}
	}
	return applied, nil
}

// lacking names the missing migrations: "migration 55", "migrations 54, 55".
func lacking(vs []int64) string {
	if len(vs) == 1 {
		return fmt.Sprintf("migration %d", vs[0])
	}
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = strconv.FormatInt(v, 10)
	}
	return "migrations " + strings.Join(names, ", ")
}

// foreignTables explains a refused privilege (err) on a database whose
// tables belong to another role than the one postvakt logs in as: the
// migrations were run, or a dump restored, as an administrator (README,
// Deploy: Backups), or DATABASE_URL names another role than the one that
// made them. PostgreSQL's "permission denied for table goose_db_version"
// alone names neither role nor what to do. It returns err itself when no
// other role's table is found, or when that cannot be asked.
func (s *Store) foreignTables(ctx context.Context, err error) error {
	var role, db string
	var owners []struct {
		Owner  string `db:"owner"`
		Tables int    `db:"tables"`
	}
	if qerr := s.db.QueryRowxContext(ctx, `SELECT current_user, current_database()`).Scan(&role, &db); qerr != nil {
		return err
	}
	if qerr := s.db.SelectContext(ctx, &owners, `SELECT pg_get_userbyid(c.relowner) AS owner, count(*) AS tables
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
		GROUP BY c.relowner ORDER BY count(*) DESC, 1`); qerr != nil || len(owners) == 0 {
		return err
	}
	names := make([]string, len(owners))
	for i, o := range owners {
		names[i] = fmt.Sprintf("%d belong to %s", o.Tables, o.Owner)
	}
	return fmt.Errorf("%w\nthe role %s, which DATABASE_URL logs in as, does not own the tables of the database %s: %s "+
		"(migrated or restored as another role?): log in as the role that owns them, or, as an administrator in that database, "+
		"give them to %s with the statement in README, Deploy (\"Tables of another role\")",
		err, role, db, strings.Join(names, ", "), role)
}
