package main_test

import (
	"strings"
	"testing"
)

// From an independent review of the command line: what a command prints
// on standard output was written without a look at the result, but for
// the lists that flush a table (units list, print list) and the secrets
// shown once: `postvakt notifications list > unresolved.txt` on a full
// disk, policy check, version, help, the --once runs' summaries left an
// empty or cut file and exited 0, as if complete. A command whose output
// could not be written exits 1 saying so, and that what it did is done.
func TestCLIOutputNotWrittenIsAFailure(t *testing.T) {
	db := migrated(t)
	for _, args := range [][]string{
		{"notifications", "list"},
		{"policy", "check"},
		{"version"},
		{"help"},
		{"help", "import"},
		{"print", "list", "--help"},
		{"escalate", "--once", "--dry-run", "--now", "2026-11-30T10:00:00+01:00"},
		{"units", "list"},
		{"user", "list", "--json"},
	} {
		stderr, code := runToFull(t, db, args...)
		if code != 1 || !strings.Contains(stderr, "standard output could not be written") || strings.Contains(stderr, "goroutine ") {
			t.Errorf("%v to a full disk: exit %d, want 1 saying standard output could not be written\n%s", args, code, stderr)
		}
	}
	// Written, they exit 0 as before.
	if out, stderr, code := run(t, db, "notifications", "list"); code != 0 || !strings.Contains(out, "need a look") {
		t.Errorf("notifications list: exit %d\n%s\n%s", code, out, stderr)
	}
}
