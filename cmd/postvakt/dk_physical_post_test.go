package main_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"postvakt/internal/pgtest"
)

// TestDanishPhysicalPostWithoutPrintProvider: a Danish-only deployment has
// no print provider (POSTVAKT_PRINT_URL) and no Enhetsregisteret
// (POSTVAKT_REGISTER_URL): Digital Post prints itself. The shipped
// dk-digital-post-borger policy prints after 15 business days, via
// digitalpost: past that the letter reaches the sending unit's
// manual-handling list (reason physical_post), so that the unit orders
// Digital Post's physical post, as it does with a provider.
func TestDanishPhysicalPostWithoutPrintProvider(t *testing.T) {
	db := pgtest.New(t)
	letters := filepath.Join(t.TempDir(), "letters.csv")
	os.WriteFile(letters, []byte(header+
		"digitalpost,0e0e0e0e-0000-4000-8000-0000000000d1,64942212,Borgerservice,person,0101701234,Afgørelse,true,sag,2026-11-02T10:00:00+01:00\n"), 0o644)
	if out, stderr, code := run(t, db, "import", letters); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	// Danish-only: Digital Post and SMTP, nothing Norwegian.
	env := []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies", "POSTVAKT_SMTP_ADDR=127.0.0.1:1", "POSTVAKT_SMTP_TLS=none"}
	out, stderr, code := runEnv(t, env, "escalate", "--once", "--now", "2026-12-15T10:00:00+01:00")
	if code != 0 {
		t.Fatalf("escalate: exit %d\n%s\n%s", code, out, stderr)
	}
	conn, err := sql.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var stage string
	if err := conn.QueryRow(`SELECT stage FROM shipments`).Scan(&stage); err != nil {
		t.Fatal(err)
	}
	var manual int
	if err := conn.QueryRow(`SELECT count(*) FROM print_manual WHERE resolved_at IS NULL`).Scan(&manual); err != nil {
		t.Fatal(err)
	}
	if stage != "manual" || manual != 1 {
		t.Errorf("a Digital Post letter past its print window under print.via: digitalpost, no print provider: stage %q, %d manual-handling cases; want stage manual with one case (physical_post) for the sending unit\n%s\n%s", stage, manual, out, stderr)
	}
}
