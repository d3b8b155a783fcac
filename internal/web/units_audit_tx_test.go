package web_test

import (
	"net/http"
	"testing"

	"postvakt/internal/store"
)

// TestImportUnitsAuditInSameTransaction: the units page saved the units,
// then wrote the audit entry, and only logged its failure: a crash or a
// refused audit write left an untraceable change of the addresses
// follow-ups go to. The entry is written in the units' transaction; when
// it cannot be, nothing is stored.
func TestImportUnitsAuditInSameTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("admin", "admin", "", "")
	_, page := b.get("/admin/units")
	if _, err := e.st.DB().Exec(`CREATE FUNCTION refuse_units_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.action = 'units_import' THEN RAISE EXCEPTION 'audit log unavailable'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_units_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_units_audit()`); err != nil {
		t.Fatal(err)
	}
	code, _ := b.uploadIn("en", "/admin/units/import", csrf(page),
		[]byte("sender_org,unit,contact_email,manager_email\n964338531,Barnevern,a@example.no,\n"))
	units, err := e.st.Units(t.Context(), store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusInternalServerError || len(units) != 0 {
		t.Errorf("import with the audit log refusing: %d, %d units stored; want 500 and none", code, len(units))
	}
}
