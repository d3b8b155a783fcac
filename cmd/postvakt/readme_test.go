package main_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	_ "postvakt/internal/channel/registered" // the channels the binary is built with, as app.go
	"postvakt/internal/config"
	"postvakt/internal/pgtest"
)

// readmeSection returns README.md's text from the heading "## title" up to
// the next heading of the same level.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", title)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// readmeVarRow is a row of README's Configuration table: | `NAME` | default | meaning |.
var readmeVarRow = regexp.MustCompile("(?m)^\\| `((?:POSTVAKT_|DATABASE_)[A-Z0-9_]*)` \\| ([^|]*) \\|")

// README's Configuration table is the environment postvakt reads: every
// variable internal/config (and a channel's section) reads has a row with
// the default the code uses ("—" for none), and every row names a variable
// the code reads. A variable added, renamed or given another default in
// the code without the README fails here, naming it.
func TestReadmeConfigurationIsTheEnvironment(t *testing.T) {
	section := readmeSection(t, "Configuration")
	documented := map[string]string{}
	for _, m := range readmeVarRow.FindAllStringSubmatch(section, -1) {
		def := strings.TrimSpace(m[2])
		if def == "—" {
			def = ""
		}
		if _, twice := documented[m[1]]; twice {
			t.Errorf("README's Configuration table has %s twice", m[1])
		}
		documented[m[1]] = strings.Trim(def, "`")
	}
	if len(documented) < 40 {
		t.Fatalf("found only %d variables in README's Configuration table: has its layout changed?", len(documented))
	}
	// README's list of the secrets that may be given as NAME_FILE.
	_, secrets, _ := strings.Cut(section, "**Secrets from files.**")
	_, secrets, _ = strings.Cut(secrets, "\n- ")
	secrets, _, _ = strings.Cut(secrets, "\n\n")
	listed := map[string]bool{}
	for _, m := range codeSpan.FindAllStringSubmatch(secrets, -1) {
		listed[m[1]] = true
	}
	read := map[string]bool{}
	for _, v := range config.Describe(channel.Sections()...) {
		read[v.Name] = true
		def, ok := documented[v.Name]
		switch {
		case !ok:
			t.Errorf("%s (default %q) is read by postvakt but not in README's Configuration table", v.Name, v.Default)
		case def != v.Default:
			t.Errorf("%s: README's default is %q, the code's %q", v.Name, def, v.Default)
		}
		// A secret (Reader.Secret) may be given as NAME_FILE: README's
		// list of those names it, and names nothing else.
		secret := strings.Contains(v.Help, v.Name+"_FILE")
		switch {
		case secret && !listed[v.Name]:
			t.Errorf("%s may be given as %s_FILE, but README's \"Secrets from files\" does not list it", v.Name, v.Name)
		case !secret && listed[v.Name]:
			t.Errorf("README's \"Secrets from files\" lists %s, which postvakt does not read from a file", v.Name)
		}
		delete(listed, v.Name)
	}
	for name := range listed {
		t.Errorf("README's \"Secrets from files\" lists %s, which postvakt does not read", name)
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("README's Configuration table lists %s, which postvakt does not read", name)
		}
	}
}

// codeSpan is a `code span` of README's text.
var codeSpan = regexp.MustCompile("`([^`]*)`")

// usageFlag is a flag in a usage line: --flag or -o, after a space, a
// bracket or an alternative's bar.
var usageFlag = regexp.MustCompile(`(?:^|[ \[|])--?([a-z][a-z-]*)`)

// verbWord is a verb after a command in a usage, or verbs joined by \|.
var verbWord = regexp.MustCompile(`^[a-z_]+(\\\|[a-z_]+)*$`)

// helpFlag is a flag as flag.PrintDefaults lists it.
var helpFlag = regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)

// README's Commands table and the binary's --help agree on every command
// and verb the table shows: the flags the table's usage names are the
// flags `postvakt CMD [VERB] --help` lists, no more and no fewer. A flag
// added to a command (or taken away) without the README, or a README usage
// naming a flag the command does not take, fails here.
func TestReadmeCommandsAreTheHelp(t *testing.T) {
	seen := 0
	for _, row := range strings.Split(readmeSection(t, "Commands"), "\n") {
		if !strings.HasPrefix(row, "| `") {
			continue
		}
		cell, _, _ := strings.Cut(row[2:], " | ")
		cmd := ""
		for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
			words := strings.Fields(m[1])
			if len(words) == 0 || strings.HasPrefix(words[0], "-") || words[0] == "help" {
				continue // `--version`, `help [COMMAND [VERB]]`
			}
			rest := words
			if slices.Contains(cliCommands, words[0]) {
				cmd, rest = words[0], words[1:]
			} else if cmd == "" {
				t.Errorf("README's Commands table: %q names no command", m[1])
				continue
			}
			// A verb is a lower-case word after the command (`print
			// approve`; of `report unopened\|problems…` the first);
			// FILE.csv, BATCH, [--flag] are arguments.
			args := []string{cmd}
			if len(rest) > 0 && verbWord.MatchString(rest[0]) {
				verb, _, _ := strings.Cut(rest[0], `\|`)
				args, rest = append(args, verb), rest[1:]
			}
			var want []string
			for _, f := range usageFlag.FindAllStringSubmatch(strings.Join(rest, " "), -1) {
				want = append(want, f[1])
			}
			out, stderr, code := runLimited(t, []string{"DATABASE_URL="}, append(args, "--help")...)
			if code != 0 {
				t.Errorf("%v --help: exit %d\n%s", args, code, stderr)
				continue
			}
			var got []string
			for _, f := range helpFlag.FindAllStringSubmatch(out, -1) {
				got = append(got, f[1])
			}
			slices.Sort(want)
			want = slices.Compact(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("postvakt %s: README's usage `%s` names the flags %v, --help lists %v",
					strings.Join(args, " "), m[1], want, got)
			}
			seen++
		}
	}
	if seen < 20 {
		t.Fatalf("checked only %d usages of README's Commands table: has its layout changed?", seen)
	}
}

// README, Deploy: the commands that write DATABASE_URL_FILE's file, run as
// written (with /etc/postvakt in a temporary folder, under the usual umask
// 022), leave a file only its owner reads: it holds the database password.
// A plain `echo … >file` makes it readable by every user of the machine,
// and a URL with its password on the command line stays in the shell's
// history: the steps read it from the terminal (here, from stdin).
func TestReadmeDeployWritesTheDatabaseURLForItsOwnerOnly(t *testing.T) {
	section := readmeSection(t, "Deploy with an external PostgreSQL")
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(section)
	if block == nil {
		t.Fatal("README, Deploy has no sh block")
	}
	before, _, ok := strings.Cut(block[1], "export DATABASE_URL_FILE=/etc/postvakt/database-url")
	if !ok {
		t.Fatal("README, Deploy's sh block no longer exports DATABASE_URL_FILE=/etc/postvakt/database-url")
	}
	dir := filepath.Join(t.TempDir(), "etc")
	var steps []string
	for _, line := range strings.Split(before, "\n") {
		if strings.Contains(line, "/etc/postvakt") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			steps = append(steps, strings.ReplaceAll(line, "/etc/postvakt", dir))
		}
	}
	if len(steps) == 0 {
		t.Fatal("README, Deploy's sh block writes nothing under /etc/postvakt before exporting DATABASE_URL_FILE")
	}
	if pw := regexp.MustCompile(`postgres(ql)?://[^:@\s/]+:[^@\s]+@`).FindString(strings.Join(steps, "\n")); pw != "" {
		t.Errorf("README, Deploy's steps put a password on the command line (%s…): it stays in the shell's history", pw)
	}
	const url = "postgres://postvakt:s3cr3t@db.example:5432/postvakt?sslmode=verify-full"
	script := "set -eu\numask 022\n" + strings.Join(steps, "\n")
	cmd := exec.Command("bash", "-c", script)
	cmd.Stdin = strings.NewReader(url + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("README, Deploy's steps writing the URL file fail as written: %v\n%s\n%s", err, script, out)
	}
	file := filepath.Join(dir, "database-url")
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("README, Deploy's steps leave the database URL file (the password) mode %v: others may read it", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(file); strings.TrimSpace(string(b)) != url {
		t.Errorf("README, Deploy's steps wrote %q, want the URL typed: %q", b, url)
	}
}

// README, Upgrading, item 3: with the URL in a file (Deploy exports
// DATABASE_URL_FILE), the migrate run with its own short lock_timeout runs
// as written: the file's URL with the parameter added, DATABASE_URL_FILE
// emptied for that run (both set are refused).
func TestReadmeMigrateWithShortLockTimeoutFromTheFile(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("`(DATABASE_URL=\"[^`]*\\./postvakt migrate)`").FindStringSubmatch(string(b))
	if m == nil || !strings.Contains(m[1], "lock_timeout=") {
		t.Fatal("README's Upgrading (item 3) no longer shows `DATABASE_URL=\"…&lock_timeout=…\" … ./postvakt migrate`")
	}
	db := pgtest.New(t)
	file := filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(file, []byte(db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	line := strings.ReplaceAll(m[1], "/etc/postvakt/database-url", file)
	line = strings.Replace(line, "./postvakt", bin, 1)
	cmd := exec.Command("bash", "-c", line)
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "DATABASE_URL_FILE="+file, "POSTVAKT_POLICIES=../../policies")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "database at ") {
		t.Errorf("README's `%s`, as Deploy left the environment: %v\n%s", m[1], err, out)
	}
}

// README, The simulator: the block that starts the simulator in the
// background, reads its environment lines and back-fills from it runs as
// written (on a free port, against a test database). Read at once after
// the `&`, sim.env is not there yet or empty, and discover finds Altinn
// not configured.
func TestReadmeSimulatorBlockRunsAsWritten(t *testing.T) {
	section := readmeSection(t, "The simulator")
	block := regexp.MustCompile("(?s)```sh\n(postvakt sim .*?)```").FindStringSubmatch(section)
	if block == nil || !strings.Contains(block[1], "DATABASE_URL=... postvakt discover") {
		t.Fatal("README, The simulator has no sh block starting the simulator and running discover")
	}
	db := pgtest.New(t)
	script := strings.ReplaceAll(block[1], "127.0.0.1:8090", "127.0.0.1:0")
	script = strings.ReplaceAll(script, "DATABASE_URL=...", `DATABASE_URL="$TEST_DATABASE_URL"`)
	script = "set -e\ntrap 'kill %1 2>/dev/null' EXIT\n" + script
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"), "TEST_DATABASE_URL="+db,
		"DATABASE_URL=", "DATABASE_URL_FILE=", "POSTVAKT_POLICIES=../../policies")
	for _, e := range os.Environ() { // the block's environment is the simulator's lines alone
		if name, _, _ := strings.Cut(e, "="); strings.HasPrefix(name, "POSTVAKT_") {
			cmd.Env = append(cmd.Env, name+"=")
		}
	}
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("README's simulator block did not end within 2 minutes:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "discovered ") {
		t.Errorf("README's simulator block, as written: %v\n%s", err, out)
	}
}

// README, Deploy: the sh block runs as written, step after step, on a
// machine where none of its folders is there yet: /etc/postvakt and
// /opt/postvakt in a temporary folder, the database URL a test database's,
// the binary this test's build (for `make build`), serve on a free port
// and stopped by SIGTERM once /readyz says ready. A step that fails, or a folder
// named before a step makes it (the policies in /opt/postvakt), fails here.
func TestReadmeDeployBlockRunsAsWritten(t *testing.T) {
	section := readmeSection(t, "Deploy with an external PostgreSQL")
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(section)
	if block == nil || !strings.Contains(block[1], "./postvakt serve") {
		t.Fatal("README, Deploy has no sh block ending with ./postvakt serve")
	}
	db := pgtest.New(t)
	root := t.TempDir()
	work := filepath.Join(root, "checkout")
	if err := os.CopyFS(filepath.Join(work, "policies"), os.DirFS("../../policies")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var lines []string
	for _, line := range strings.Split(block[1], "\n") {
		switch {
		case strings.HasPrefix(line, "make build BIN=postvakt"):
			line = "cp " + bin + " postvakt"
		case strings.Contains(line, "./postvakt serve"):
			line = strings.Replace(line, "127.0.0.1:8080", addr, 1)
			// In the background (the process itself: $! is serve's pid)
			// until it is ready (at most a minute), then stopped.
			line, _, _ = strings.Cut(line, " #")
			line += " & pid=$!\n" +
				"for _ in $(seq 600); do curl -sf http://" + addr + "/readyz >/dev/null && break; kill -0 $pid || break; sleep 0.1; done\n" +
				"kill -TERM $pid; wait $pid"
		}
		line = strings.ReplaceAll(line, "/etc/postvakt", filepath.Join(root, "etc"))
		line = strings.ReplaceAll(line, "/opt/postvakt", filepath.Join(root, "opt"))
		lines = append(lines, line)
	}
	cmd := exec.Command("bash", "-c", "set -e\n"+strings.Join(lines, "\n"))
	cmd.Dir = work
	cmd.Stdin = strings.NewReader(db + "\n") // the database URL, typed at the prompt
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "DATABASE_URL_FILE=", "POSTVAKT_POLICIES=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "postvakt serving") || !strings.Contains(string(out), "postvakt stopped") {
		t.Errorf("README, Deploy's sh block, as written: %v\n%s", err, out)
	}
}

// helpBound is a bound a variable's help names: "at least 10s", "at most 365".
var helpBound = regexp.MustCompile(`at (least|most) ([0-9][0-9.]*[a-z]*|one a minute)`)

// README's Configuration table names the bounds `postvakt help` gives a
// variable: a value past one stops the start, and an operator reading only
// the README would not know why (POSTVAKT_RETENTION_YEARS=150 for a class
// kept 150 years).
func TestReadmeConfigurationNamesTheBounds(t *testing.T) {
	section := readmeSection(t, "Configuration")
	rows := map[string]string{}
	for _, row := range strings.Split(section, "\n") {
		if m := readmeVarRow.FindStringSubmatch(row); m != nil {
			rows[m[1]] = row
		}
	}
	checked := 0
	for _, v := range config.Describe(channel.Sections()...) {
		for _, b := range helpBound.FindAllStringSubmatch(v.Help, -1) {
			checked++
			if row, ok := rows[v.Name]; ok && !strings.Contains(row, b[2]) {
				t.Errorf("%s: postvakt help says %q, README's Configuration table does not name %s", v.Name, b[0], b[2])
			}
		}
	}
	if checked < 5 {
		t.Fatalf("found only %d bounds in postvakt help: has its wording changed?", checked)
	}
}
