package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runToFull runs the binary with its standard output a full disk
// (/dev/full): every write to it fails.
func runToFull(t *testing.T, db string, args ...string) (string, int) {
	t.Helper()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	return runWithStdout(t, db, full, args...)
}

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
	return runWithStdout(t, db, w, args...)
}

// runWithStdout runs the binary with out as its standard output, and
// returns its standard error and exit code.
func runWithStdout(t *testing.T, db string, out *os.File, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies")
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return errb.String(), 0
}

// From an independent review of the command line: a secret shown once
// (token create's token, user add's generated password, user password's
// new one) that could not be written (`token create … > token.txt` on a
// full disk, a closed pipe) was lost and the command exited 0: the script
// went on with an empty file, and the token's name stayed taken by a token
// nobody had. The command exits 1 saying the secret was not shown and
// what to do; the token is revoked, so the same command makes it again.
// A closed pipe killed the process by SIGPIPE before that handling ran
// (the token active, shown to nobody): it is a failed write as any other.
func TestCLISecretNotWrittenIsAFailure(t *testing.T) {
	for _, dest := range []struct {
		name string
		run  func(t *testing.T, db string, args ...string) (string, int)
	}{
		{"a full disk", runToFull},
		{"a closed pipe", runToClosedPipe},
	} {
		t.Run(dest.name, func(t *testing.T) {
			db := migrated(t)
			stderr, code := dest.run(t, db, "token", "create", "--name", "sak", "--role", "admin")
			if code != 1 || !strings.Contains(stderr, "not shown") || !strings.Contains(stderr, "revoked") {
				t.Errorf("token create: exit %d, want 1 saying the token was not shown and is revoked\n%s", code, stderr)
			}
			if out, stderr, code := run(t, db, "token", "create", "--name", "sak", "--role", "admin"); code != 0 || len(strings.TrimSpace(out)) < 20 {
				t.Errorf("token create again: exit %d, want 0 with the token\n%s\n%s", code, out, stderr)
			}
			for _, args := range [][]string{
				{"user", "add", "--name", "kari", "--role", "admin"},
				{"user", "password", "--name", "kari"},
			} {
				stderr, code = dest.run(t, db, args...)
				if code != 1 || !strings.Contains(stderr, "not shown") || !strings.Contains(stderr, "postvakt user password --name kari") {
					t.Errorf("%v: exit %d, want 1 saying the password was not shown and how to set one\n%s", args, code, stderr)
				}
			}
			stderr, code = dest.run(t, db, "notifications", "list")
			if code != 1 || !strings.Contains(stderr, "standard output could not be written") {
				t.Errorf("notifications list: exit %d, want 1 saying standard output could not be written\n%s", code, stderr)
			}
		})
	}
}
