package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"postvakt/internal/storetest"
)

// TestImportAuditInSameTransaction: `units import` and `contacts import`
// wrote their audit entry after the import's transaction, so a crash (or
// a failed audit write) between the two left a change nobody could trace.
// With the audit log refusing the entry, the import is refused and
// nothing of it is stored.
func TestImportAuditInSameTransaction(t *testing.T) {
	db := migrated(t)
	conn := openDB(t, db)
	storetest.RefuseAudit(t, conn)
	for _, c := range []struct {
		command, file, table string
	}{
		{"units", "sender_org,unit,contact_email,manager_email\n964338531,Barnevern,a@example.no,\n", "sender_units"},
		{"contacts", "orgnr,email\n974760673,post@example.no\n", "org_contacts"},
	} {
		f := filepath.Join(t.TempDir(), c.command+".csv")
		if err := os.WriteFile(f, []byte(c.file), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := run(t, db, c.command, "import", f)
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM ` + c.table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if code == 0 || n != 0 {
			t.Errorf("%s import with the audit log refusing: exit %d, %d rows in %s (stderr %q); want a failure and nothing stored",
				c.command, code, n, c.table, stderr)
		}
	}
}
