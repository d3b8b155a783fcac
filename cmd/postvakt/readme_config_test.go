package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/config"
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
		// list of those names it.
		if strings.Contains(v.Help, v.Name+"_FILE") {
			_, list, _ := strings.Cut(section, "**Secrets from files.**")
			_, list, _ = strings.Cut(list, "\n- ")
			list, _, _ = strings.Cut(list, "\n\n")
			if !strings.Contains(list, "`"+v.Name+"`") {
				t.Errorf("%s may be given as %s_FILE, but README's \"Secrets from files\" does not list it", v.Name, v.Name)
			}
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("README's Configuration table lists %s, which postvakt does not read", name)
		}
	}
}
