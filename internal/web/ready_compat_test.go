package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestReadyWhenTheDatabaseNeedsANewerBinary: once a newer release's
// breaking migration raised the database's compatible_from above the
// newest migration this binary knows, /readyz answers 503 with the reason
// naming both versions (a load balancer stops sending traffic here, which
// would get 500s), and the operations page says the schema is newer than
// this postvakt can serve rather than that migrations are pending.
func TestReadyWhenTheDatabaseNeedsANewerBinary(t *testing.T) {
	e := newEnv(t)
	if code, body := e.get("/readyz", ""); code != http.StatusOK {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	if _, err := e.st.DB().Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.DB().Exec(`UPDATE schema_compatibility SET compatible_from = 99999`); err != nil {
		t.Fatal(err)
	}
	code, body := e.get("/readyz", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "database needs a newer postvakt") ||
		!strings.Contains(body, "the database (at 99999) needs at least 99999") {
		t.Fatalf("/readyz on a database that needs a newer binary: %d %s", code, body)
	}
	ops := e.loggedIn("ops", "operations", "", "")
	code, page := ops.get("/ops")
	if code != 200 || !strings.Contains(page, "newer than this postvakt can serve") || strings.Contains(page, "migrations pending") {
		t.Fatalf("/ops on a database that needs a newer binary: %d\n%s", code, page)
	}
}
