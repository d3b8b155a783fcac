// Package migrations embeds the SQL schema migrations so the binary can apply
// them itself (goose). It lives beside the .sql files because Go cannot embed
// from a parent folder.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

// FS holds every migration, applied in file-name order.
//
//go:embed *.sql
var FS embed.FS

// Up applies every pending migration to db. Concurrent callers (several
// replicas starting at once) are serialised by a PostgreSQL advisory lock.
func Up(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck // released with the connection anyway
	// Out of order: a migration numbered below one already applied (work
	// merged from parallel branches) is applied rather than refused.
	p, err := goose.NewProvider(goose.DialectPostgres, db, FS, goose.WithLogger(goose.NopLogger()), goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Latest is the version of the newest embedded migration: a database
// migrated to it is current.
func Latest() (int64, error) {
	entries, err := FS.ReadDir(".")
	if err != nil {
		return 0, fmt.Errorf("list migrations: %w", err)
	}
	var latest int64
	for _, e := range entries {
		v, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: the name does not start with a version", e.Name())
		}
		latest = max(latest, n)
	}
	return latest, nil
}

// lockKey is the advisory lock that serialises migrations.
const lockKey = 0x706f73747661 // "postva"
