package main_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runLimited is runEnv with a time limit: a command that should refuse its
// arguments but starts instead (sim, serve) is killed, not waited for.
func runLimited(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Errorf("%v: still running after 20 s; killed\n%s", args, errb.String())
		return out.String(), errb.String(), -1
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// cliCommands are the commands README's Commands table documents.
var cliCommands = []string{"migrate", "serve", "import", "poll", "discover", "policy", "sim", "escalate",
	"contacts", "units", "notifications", "print", "report", "health", "user", "token", "version"}

// Help is asked for in three ways — `help CMD`, `CMD --help`, `CMD -h` —
// and answered the same for every command, whether it takes flags or verbs:
// the command's usage line and what it does, on standard output, exit 0,
// without a database. A verb's --help is its usage too, not a file named
// "--help" or a shipment id.
func TestHelpIsTheSameEverywhere(t *testing.T) {
	env := []string{"DATABASE_URL="}
	for _, cmd := range cliCommands {
		var first string
		for _, args := range [][]string{{"help", cmd}, {cmd, "--help"}, {cmd, "-h"}} {
			out, stderr, code := runLimited(t, env, args...)
			if code != 0 || stderr != "" || !strings.Contains(out, "usage: postvakt "+cmd) {
				t.Errorf("%v: exit %d, want 0 and the usage on stdout\nstdout:\n%s\nstderr:\n%s", args, code, out, stderr)
				continue
			}
			if first == "" {
				first = out
			} else if out != first {
				t.Errorf("%v answers otherwise than `help %s`:\n%s\n--- help %s:\n%s", args, cmd, out, cmd, first)
			}
		}
	}
	for _, args := range [][]string{
		{"print", "approve", "--help"}, {"print", "list", "-h"}, {"units", "import", "--help"}, {"units", "list", "--help"},
		{"notifications", "release", "--help"}, {"notifications", "list", "--help"}, {"policy", "check", "--help"},
		{"policy", "explain", "--help"}, {"report", "incident", "--help"}, {"report", "unopened", "--help"},
		{"token", "create", "--help"}, {"user", "add", "--help"}, {"user", "email", "--help"}, {"contacts", "import", "--help"},
		{"user", "disable", "--help"}, {"user", "enable", "-h"}, {"token", "revoke", "--help"},
		{"help", "print", "approve"},
	} {
		words := args
		if args[0] == "help" {
			words = args[1:]
		}
		out, stderr, code := runLimited(t, env, args...)
		if want := "usage: postvakt " + words[0] + " " + words[1]; code != 0 || stderr != "" || !strings.Contains(out, want) {
			t.Errorf("%v: exit %d, want 0 and %q on stdout\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
		}
	}
}

// A wrong invocation is said once, naming what is wrong, with the usage
// hint; exit 2, before any database is needed (DATABASE_URL is empty here:
// a command that went on to it would say that instead), and nothing on
// standard output.
func TestWrongUsageNamesWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	env := []string{"DATABASE_URL=", "POSTVAKT_POLICIES=../../policies"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{"import", "--bogus", "x.csv"}, "-bogus"},
		{[]string{"import", "--encoding", "latin1", "x.csv"}, `"latin1"`},
		{[]string{"poll", "--once", "--now", "yesterday"}, `"yesterday"`},
		// A --now years ahead (a typo) on a run that acts.
		{[]string{"escalate", "--once", "--now", "2062-11-30T10:00:00+01:00"}, "--now 2062-11-30T10:00:00+01:00 is more than 24 hours after the clock"},
		{[]string{"health", "--once", "--now", "2062-11-30T10:00:00+01:00"}, "--now 2062-11-30T10:00:00+01:00 is more than 24 hours after the clock"},
		{[]string{"poll", "--once", "--now", "2062-11-30T10:00:00+01:00"}, "--now 2062-11-30T10:00:00+01:00 is more than 24 hours after the clock"},
		{[]string{"print", "drain", "--once", "--now", "2062-11-30T10:00:00+01:00"}, "--now 2062-11-30T10:00:00+01:00 is more than 24 hours after the clock"},
		{[]string{"units", "frob"}, `"frob"`},
		{[]string{"notifications", "frob"}, `"frob"`},
		{[]string{"units", "list", "--bogus"}, "-bogus"},
		{[]string{"notifications", "list", "--bogus"}, "-bogus"},
		// --message-id is confirm's: release does not take it and drop it.
		{[]string{"notifications", "release", "5", "--message-id", "x"}, "-message-id"},
		{[]string{"units", "import", "a.csv", "--bogus"}, "-bogus"},
		{[]string{"migrate", "extra"}, `"extra"`},
		{[]string{"policy", "check", "../../policies", "extra"}, `"extra"`},
		{[]string{"poll", "--once", "--channel", "fax"}, `"fax"`},
		{[]string{"discover", "--channel", "fax", "--since", "2026-01-01", "--sender-org", "964338531"}, `"fax"`},
		{[]string{"discover", "--channel", "svarut", "--since", "2026-01-01", "--sender-org", "964338531"}, "svarut"},
		{[]string{"discover", "--since", "2026-01-01", "--sender-org", "964338531", "--window", "-24h"}, "--window"},
		{[]string{"discover", "--since", "2026-01-01", "--sender-org", "964338531", "--window", "0s"}, "--window"},
		// m is minutes, not months: a year listed a minute at a time is
		// half a million requests to the channel.
		{[]string{"discover", "--since", "2026-01-01", "--sender-org", "964338531", "--window", "1m"}, "--window: 1m0s is shorter than an hour"},
		{[]string{"report", "unopened", "--min-age", "-3"}, "--min-age"},
		{[]string{"report", "unopened", "extra"}, `"extra"`},
		{[]string{"units", "list", "extra"}, `"extra"`},
		// An argument too many is named (serve and discover ran with it).
		{[]string{"serve", "extra"}, `"extra"`},
		{[]string{"discover", "--channel", "altinn", "--since", "2026-01-01", "--sender-org", "964338531", "extra"}, `"extra"`},
		{[]string{"escalate", "--once", "extra"}, `"extra"`},
		{[]string{"health", "--once", "extra"}, `"extra"`},
		{[]string{"print", "approve", "1", "2"}, `"2"`},
		{[]string{"escalate"}, "--once is required"},
		{[]string{"print", "drain", "--batch", "-1"}, "--batch: -1 is not"},
		{[]string{"print", "drain", "--every", "0s"}, "--every: 0s is not"},
		{[]string{"print", "drain", "--now", "2026-11-30T10:00:00+01:00"}, "--now goes with --once"},
		// As POSTVAKT_ADDR: refused before the database is migrated.
		{[]string{"serve", "--addr", "localhost"}, `--addr: "localhost" is not host:port`},
		{[]string{"serve", "--addr", "127.0.0.1:99999"}, `--addr: "127.0.0.1:99999" is not host:port`},
		// A required flag left out, or an argument too many, is named.
		{[]string{"report", "incident", "--format", "csv"}, "--from and --to are required"},
		{[]string{"report", "incident", "--from", "2026-01-01", "--to", "2026-02-01", "extra"}, `unexpected argument "extra"`},
		{[]string{"discover", "--channel", "altinn", "--sender-org", "964338531"}, "--since and --sender-org are required"},
		{[]string{"print", "list", "extra"}, `unexpected argument "extra"`},
		// --show-messages alone is no preview: the run would send for real.
		{[]string{"escalate", "--once", "--show-messages"}, "--show-messages goes with --dry-run"},
		{[]string{"user", "email", "--name", "kari"}, `--email "" clears`},
		// Taking access away finds a name as it is (an old one may break
		// today's rules for new names), refusing only a national id.
		{[]string{"user", "disable"}, "--name is required"},
		{[]string{"user", "enable", "--name", "kari", "extra"}, "an argument it does not take (not said back"},
		{[]string{"user", "disable", "--name", "31129912345"}, "--name: a national id"},
		{[]string{"token", "revoke", "--role", "admin"}, "-role"},
		{[]string{"token", "revoke", "--name", "sak 31129912345"}, "--name: a national id"},
		{[]string{"token", "revoke", "--name", "sak", "--sender-org", "123"}, "--sender-org"},
		// A verb or command that takes one argument, given none or two.
		{[]string{"import"}, "usage: postvakt import "},
		{[]string{"units", "import"}, "usage: postvakt units import FILE.csv"},
		{[]string{"contacts", "import", "a.csv", "b.csv"}, "usage: postvakt contacts import "},
		{[]string{"policy", "explain"}, "usage: postvakt policy explain SHIPMENT_ID"},
		{[]string{"notifications", "release", "5", "6"}, "usage: postvakt notifications release ID"},
		{[]string{"print", "approve"}, "usage: postvakt print approve BATCH"},
		{[]string{"token", "create", "--name", "x", "--role", "king"}, `"king"`},
		{[]string{"user", "add", "--name", "x", "--role", "king"}, `"king"`},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--key-dir", dir, "--speed", "-1"}, "--speed"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--key-dir", dir, "--behind", "-1h"}, "--behind"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--key-dir", dir, "--request-log", "-1"}, "--request-log"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--key-dir", dir, "extra"}, `"extra"`},
	} {
		out, stderr, code := runLimited(t, env, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || out != "" || strings.Contains(stderr, "goroutine ") {
			t.Errorf("%v: exit %d, want 2 with %q on stderr only\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.want, out, stderr)
			continue
		}
		// Said once: not by the flag package and then again by postvakt,
		// nor buried under the whole help with every variable.
		if n := strings.Count(stderr, tc.want); n != 1 {
			t.Errorf("%v: %q said %d times:\n%s", tc.args, tc.want, n, stderr)
		}
		if strings.Contains(stderr, "DATABASE_URL") || strings.Count(stderr, "\n") > 6 {
			t.Errorf("%v: the message is buried:\n%s", tc.args, stderr)
		}
		if !strings.Contains(stderr, "usage: postvakt") && !strings.Contains(stderr, "postvakt help") {
			t.Errorf("%v: no usage hint:\n%s", tc.args, stderr)
		}
	}
}

// A command made of verbs says in its --help what each verb does, and a
// verb's --help says what that verb does, not the whole command: only
// `units import` and `contacts import` are all or nothing, not `units
// list`, nor the commands as such.
func TestVerbHelpSaysWhatTheVerbDoes(t *testing.T) {
	env := []string{"DATABASE_URL="}
	commands := 0
	for _, cmd := range cliCommands {
		out, _, code := runLimited(t, env, cmd, "--help")
		_, list, ok := strings.Cut(out, "\nverbs:\n")
		if code != 0 || !ok {
			continue
		}
		commands++
		lines := strings.Split(strings.TrimRight(list, "\n"), "\n")
		if len(lines)%2 != 0 {
			t.Errorf("%s --help: the verbs are not each a usage line and a line of what it does:\n%s", cmd, list)
			continue
		}
		for i := 0; i < len(lines); i += 2 {
			form, help := strings.TrimSpace(lines[i]), strings.TrimSpace(lines[i+1])
			verb, _, _ := strings.Cut(form, " ")
			if help == "" || !strings.HasPrefix(lines[i+1], "      ") {
				t.Errorf("%s --help: verb %s says nothing of what it does:\n%s", cmd, verb, list)
				continue
			}
			vout, stderr, code := runLimited(t, env, cmd, verb, "--help")
			if want := "usage: postvakt " + cmd + " " + form + "\n" + help + "\n"; code != 0 || !strings.HasPrefix(vout, want) {
				t.Errorf("%s %s --help: exit %d, want it to begin %q\nstdout:\n%s\nstderr:\n%s", cmd, verb, code, want, vout, stderr)
			}
		}
	}
	if commands < 8 {
		t.Fatalf("only %d commands list their verbs in --help, want every command made of verbs (8)", commands)
	}
	for _, tc := range []struct {
		args []string
		all  bool // says "all or nothing"
	}{
		{[]string{"units", "list", "--help"}, false},
		{[]string{"units", "import", "--help"}, true},
		{[]string{"contacts", "import", "--help"}, true},
	} {
		out, _, _ := runLimited(t, env, tc.args...)
		if got := strings.Contains(out, "all or nothing"); got != tc.all {
			t.Errorf("%v says all or nothing: %v, want %v\n%s", tc.args, got, tc.all, out)
		}
	}
	all, _, _ := runLimited(t, env, "help")
	for _, cmd := range []string{"units", "contacts"} {
		out, _, _ := runLimited(t, env, cmd, "--help")
		head, _, _ := strings.Cut(out, "\nverbs:\n")
		if strings.Contains(head, "all or nothing") {
			t.Errorf("%s --help says all or nothing of the whole command:\n%s", cmd, out)
		}
		// postvakt help: the command's usage line, then what it does.
		_, rest, ok := strings.Cut(all, "\n  "+cmd+" ")
		lines := strings.SplitN(rest, "\n", 3)
		if !ok || len(lines) < 2 || strings.Contains(lines[1], "all or nothing") {
			t.Errorf("postvakt help does not list %s, or says all or nothing of the whole command:\n%s", cmd, all)
		}
	}
}
