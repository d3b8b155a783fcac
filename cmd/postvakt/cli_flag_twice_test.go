package main_test

import (
	"strings"
	"testing"
)

// From an independent review of the command line: a flag given twice was
// taken at its last value, without a word. `user add --name kari --role
// unit --sender-org 964338531 --role admin` (a script that appends to a
// command line it was given) made an administrator, and `report unopened
// --format csv -o list.csv --format json` wrote JSON into list.csv. A flag
// given twice is a wrong usage (exit 2), named without its values (one may
// be a national id), and nothing is done.
func TestCLIFlagGivenTwiceIsAWrongUsage(t *testing.T) {
	db := migrated(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "add", "--name", "kari", "--role", "unit", "--sender-org", "964338531", "--role", "admin"}, "--role"},
		{[]string{"token", "create", "--name", "sak", "--role", "unit", "--sender-org", "964338531", "--role=admin"}, "--role"},
		{[]string{"report", "unopened", "--format", "csv", "-o", dir + "/list.csv", "--format", "json"}, "--format"},
		{[]string{"import", "--actor", "kari", "x.csv", "--actor", "31129912345"}, "--actor"},
		{[]string{"escalate", "--once", "--dry-run", "--dry-run=false"}, "--dry-run"},
		{[]string{"print", "list", "--json", "--json"}, "--json"},
	} {
		out, stderr, code := run(t, db, tc.args...)
		if code != 2 || out != "" || !strings.Contains(stderr, tc.want+" is given twice") {
			t.Errorf("%v: exit %d, want 2 saying %s is given twice\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.want, out, stderr)
		}
		if !strings.Contains(stderr, "usage: postvakt") || strings.Contains(stderr, "31129912345") || strings.Contains(stderr, "goroutine ") {
			t.Errorf("%v: no usage line, or a value said back:\n%s", tc.args, stderr)
		}
	}
	var users, tokens int
	sqlDB := openDB(t, db)
	if err := sqlDB.QueryRow(`SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM api_tokens)`).Scan(&users, &tokens); err != nil {
		t.Fatal(err)
	}
	if users != 0 || tokens != 0 {
		t.Errorf("%d users and %d API tokens made by the commands given a flag twice, want none", users, tokens)
	}
}
