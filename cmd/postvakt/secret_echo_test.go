package main_test

import (
	"strings"
	"testing"
)

// From an independent review of the command line: the user and token
// commands said back an argument they do not take, or a flag written
// wrongly, whole: `user add --name kari --role admin "$PASSWORD"` (as
// htpasswd takes it; user add reads it from standard input), `user
// password --name kari NewPassword`, `token revoke <the leaked token>`
// put the password or the token on the terminal and into the CI job's
// or cron's log. They are a wrong usage (exit 2) naming what is wrong,
// the value not said back.
func TestCLISecretGivenAsAnArgumentIsNotSaidBack(t *testing.T) {
	const secret = "Hunter2-Pa55word"
	env := []string{"DATABASE_URL="}
	for _, args := range [][]string{
		{"user", "add", "--name", "kari", "--role", "admin", secret},
		{"user", "add", secret, "--name", "kari", "--role", "admin"},
		{"user", "password", "--name", "kari", secret},
		{"user", "email", "--name", "kari", "--email", "kari@example.no", secret},
		{"user", "disable", "--name", "kari", secret},
		{"user", "list", secret},
		{"user", "add", "--name", "kari", "--role", "admin", "---password=" + secret},
		{"token", "create", "--name", "sak", "--role", "admin", secret},
		{"token", "revoke", secret},
		{"token", "revoke", "--name", "sak", secret},
		{"token", "list", "--json=" + secret},
		{"help", "user", "add", secret},
		{"token", secret},
		{"user", secret},
	} {
		want := "usage: postvakt " + args[0] + " " + args[1]
		switch {
		case len(args) == 2:
			want = "usage: postvakt " + args[0] + " "
		case args[0] == "help":
			want = "usage: postvakt help [COMMAND [VERB]]"
		}
		out, stderr, code := runLimited(t, env, args...)
		if code != 2 || out != "" || !strings.Contains(stderr, want) {
			t.Errorf("%v: exit %d, want 2 with the usage line on stderr only\nstdout:\n%s\nstderr:\n%s", args, code, out, stderr)
		}
		if strings.Contains(stderr, secret) || strings.Contains(stderr, secret[:8]) {
			t.Errorf("%v: the value is said back:\n%s", args, stderr)
		}
		if !strings.Contains(stderr, "not said back") {
			t.Errorf("%v: does not say what is wrong and that it is not said back:\n%s", args, stderr)
		}
	}
	// Other commands still name the argument they do not take.
	if _, stderr, code := runLimited(t, env, "units", "list", "extra"); code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("units list extra: exit %d, want 2 naming the argument:\n%s", code, stderr)
	}
}
