package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runToClosedPipe runs the binary with its standard output a pipe whose
// reader has gone (token create | a script that died, | head -0).
func runToClosedPipe(t *testing.T, db string, args ...string) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies")
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return errb.String(), 0
}

// From an independent review of the command line: README says a token,
// or a generated password, that cannot be written to a closed pipe is
// dealt with as on a full disk (the token revoked, the command exiting 1
// saying so), but the write killed the process by SIGPIPE first: the
// token stayed active, its secret shown to nobody, its name taken, and
// the user's password was one nobody had, without a word of user
// password. A write to a closed pipe is a failed write, as any other.
func TestCLIClosedPipeIsAFailedWrite(t *testing.T) {
	db := migrated(t)
	stderr, code := runToClosedPipe(t, db, "token", "create", "--name", "sak", "--role", "admin")
	if code != 1 || !strings.Contains(stderr, "not shown") || !strings.Contains(stderr, "revoked") {
		t.Errorf("token create to a closed pipe: exit %d, want 1 saying the token was not shown and is revoked\n%s", code, stderr)
	}
	if out, stderr, code := run(t, db, "token", "create", "--name", "sak", "--role", "admin"); code != 0 || len(strings.TrimSpace(out)) < 20 {
		t.Errorf("token create again: exit %d, want 0 with the token\n%s\n%s", code, out, stderr)
	}
	stderr, code = runToClosedPipe(t, db, "user", "add", "--name", "kari", "--role", "admin")
	if code != 1 || !strings.Contains(stderr, "postvakt user password --name kari") {
		t.Errorf("user add to a closed pipe: exit %d, want 1 saying how to set a password\n%s", code, stderr)
	}
	stderr, code = runToClosedPipe(t, db, "notifications", "list")
	if code != 1 || !strings.Contains(stderr, "standard output could not be written") {
		t.Errorf("notifications list to a closed pipe: exit %d, want 1 saying standard output could not be written\n%s", code, stderr)
	}
}
