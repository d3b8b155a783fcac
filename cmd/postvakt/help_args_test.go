package main_test

import (
	"strings"
	"testing"
)

// From an independent review of the command line: `postvakt help import
// extra` printed import's help and exited 0, the word after it dropped
// without a word (help print list extra too): a script checking its
// command line with help was told it was right. help takes a command,
// and a verb of a command made of verbs; more is a wrong usage (exit 2)
// with help's usage line, nothing on standard output.
func TestHelpRefusesArgumentsItDoesNotTake(t *testing.T) {
	env := []string{"DATABASE_URL="}
	for _, args := range [][]string{
		{"help", "import", "extra"},
		{"help", "version", "extra"},
		{"help", "print", "list", "extra"},
		{"help", "units", "import", "a.csv"},
	} {
		out, stderr, code := runLimited(t, env, args...)
		if code != 2 || out != "" || !strings.Contains(stderr, "usage: postvakt help [COMMAND [VERB]]") {
			t.Errorf("%v: exit %d, want 2 with help's usage on stderr only\nstdout:\n%s\nstderr:\n%s", args, code, out, stderr)
		}
	}
	// What help takes is answered as before.
	for _, args := range [][]string{{"help"}, {"help", "import"}, {"help", "print", "list"}, {"help", "help"}} {
		if out, stderr, code := runLimited(t, env, args...); code != 0 || stderr != "" || !strings.Contains(out, "usage") && !strings.Contains(out, "Usage") {
			t.Errorf("%v: exit %d, want 0 with the help\nstdout:\n%s\nstderr:\n%s", args, code, out, stderr)
		}
	}
}
