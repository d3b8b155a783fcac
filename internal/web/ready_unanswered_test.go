package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestReadyzSchemaUnreadIsNotMigrationsPending: a database that answers
// the ping but not the schema's read within the probe's 2 s (the version
// table held by another session's lock; a database that slows down) was
// answered 503 "migrations pending" and logged as "the database schema is
// not current", and /ops said migrations are pending: an operator was
// sent to run postvakt migrate on a database at the binary's version.
// Only a schema read is a verdict on the schema; a read that is not
// answered is the database not answering (/readyz "database unreachable",
// /ops the database slow, no schema verdict).
func TestReadyzSchemaUnreadIsNotMigrationsPending(t *testing.T) {
	e := newEnv(t)
	tok := e.token("operations", "", "")
	if code, body := e.get("/readyz", ""); code != http.StatusOK {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	tx, err := e.st.DB().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`LOCK TABLE goose_db_version IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	code, body := e.get("/readyz", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "database unreachable") {
		t.Errorf("/readyz with the schema's read unanswered: %d %s, want 503 database unreachable (not migrations pending)", code, body)
	}
	if strings.Contains(e.log.String(), "schema is not current") {
		t.Errorf("an unanswered read logged as a schema not current:\n%s", e.log.String())
	}
	code, page := e.get("/ops", tok)
	if code != http.StatusOK || strings.Contains(page, "migrations pending") || !strings.Contains(page, `id="ops-unread"`) {
		t.Errorf("/ops with the schema's read unanswered: %d, want the database said slow and no schema verdict:\n%.1500s", code, page)
	}
}
