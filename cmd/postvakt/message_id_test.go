package main_test

import (
	"strings"
	"testing"
)

// From an independent review of the command line: notifications confirm
// took --message-id as typed, where the Reminders page's confirm checks it
// as any text from outside (e37d998f): one of 100,000 characters was
// stored, and written whole into the audit log; a control character went
// into the database. It is refused (exit 2) naming --message-id, before
// the database is opened, as the page refuses it.
func TestCLIConfirmChecksTheMessageID(t *testing.T) {
	env := []string{"DATABASE_URL="}
	for _, id := range []string{strings.Repeat("x", 100_000), "<a\x01b@example.no>"} {
		out, stderr, code := runLimited(t, env, "notifications", "confirm", "5", "--message-id", id)
		if code != 2 || out != "" || !strings.Contains(stderr, "--message-id") || strings.Contains(stderr, "DATABASE_URL") {
			t.Errorf("confirm --message-id %.20q…: exit %d, want 2 naming --message-id\nstdout:\n%s\nstderr:\n%.500s", id, code, out, stderr)
		}
	}
}
